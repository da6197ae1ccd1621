// SPDX-License-Identifier: Apache-2.0
// The producer's engine. Everything but the public entry points runs on one executor (the
// bootstrap client's loop; the broker clients run strands over it), so its maps need no locks.
//
//   put ─▶ route: partition chosen (explicit, key hash or least loaded), then queued for the
//          partition leader ─▶ flush (once per loop turn): one Produce request per broker
//        ─▶ response: acked, or on a retriable error (leader moved, connection lost) the topic's
//          metadata is refreshed after a backoff and the records go to the new leader, until
//          max_attempts or the deadline.
//
// Metadata is also refreshed every metadata_max_age for every known topic, in one request, so
// partitions added and leaders moved are used before any request fails on them.
#include "scales/kafka/producer.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/completion.h"
#include "scales/client/channel.h"
#include "scales/client/client_metrics.h"
#include "scales/client/uri_options.h"
#include "scales/pool/pool.h"
#include "transport/pipelined.h"
#include "transport/tls_context.h"

namespace scales::kafka {
namespace asio = boost::asio;

namespace {

struct PutOp {
  PutOp(Producer::PutHandler h, size_t n) : acks(n), left(n), handler(std::move(h)) {}
  std::vector<Ack> acks;
  size_t left;
  std::exception_ptr error;
  // Move-constructed only: Boost 1.81's any_completion_handler move-assignment recurses.
  std::optional<Producer::PutHandler> handler;
};

struct Pending {
  std::shared_ptr<PutOp> op;
  size_t index = 0;
  Record record;
  int attempts = 0;
  Deadline deadline;
};

// The records of one Produce request, by topic and partition.
struct InFlight {
  struct Group {
    std::string topic;
    int32_t partition;
    std::vector<Pending> records;
  };
  std::vector<Group> groups;
};

// Requests to a broker are pipelined over one connection.
client::ProtocolStack pipelined() {
  auto connections =
      [](const ClientConfig& config,
         std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
    transport::PipelinedOptions options;  // Kafka frames: a 4-byte size prefix
    options.connect_timeout = config.connect_timeout;
    options.tls = transport::clientTlsFor(config.tls, {}, metrics->registry, metrics->labels);
    return [options](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
      return transport::pipelinedConnectionFactory(endpoint, options, ex);
    };
  };
  return {connections, nullptr, "aperture", "singleton", true};
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class Producer::Engine : public std::enable_shared_from_this<Producer::Engine> {
 public:
  Engine(const discovery::Uri& uri, ClientConfig config, ProducerOptions options)
      : options_(std::move(options)),
        config_(config),
        bootstrap_(uri, std::move(config), pipelined()),
        age_timer_(bootstrap_.executor()) {}

  asio::any_io_executor executor() const { return bootstrap_.executor(); }
  void checkMayBlock() const { bootstrap_.checkMayBlock("put"); }

  void start(std::string topic, std::vector<Record> records, PutHandler handler) {
    auto op = std::make_shared<PutOp>(std::move(handler), records.size());
    if (records.empty()) {
      return completePost(executor(), std::move(*op->handler), nullptr, std::vector<Ack>{});
    }
    auto deadline = Deadline::after(config_.timeout);
    std::vector<Pending> list;
    list.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      list.push_back(Pending{op, i, std::move(records[i]), 0, deadline});
    }
    asio::dispatch(executor(), [self = shared_from_this(), op, topic = std::move(topic),
                                list = std::move(list)]() mutable {
      self->ops_.insert(op);
      self->route(topic, std::move(list));
    });
  }

  // On the executor: fails what is still in flight and stops the timers.
  void close() {
    closed_ = true;
    timers_.clear();
    age_timer_.cancel();
    auto closed = std::make_exception_ptr(UnavailableError("kafka producer closed"));
    for (const auto& op : ops_) {
      if (op->handler) {
        completeDispatch(executor(), std::move(*op->handler), closed, std::vector<Ack>{});
        op->handler.reset();
      }
    }
    ops_.clear();
    waiting_.clear();
    ready_.clear();
  }

  // Broker clients replaced while running; destroyed with the engine (off the loop, since a
  // client's destructor waits for its loop).
  void destroyRetired() { retired_.clear(); }

 private:
  void route(const std::string& topic, std::vector<Pending> list) {
    if (closed_) return;
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
      auto& waiting = waiting_[topic];
      for (auto& p : list) waiting.push_back(std::move(p));
      return refresh(topic, Duration::zero());
    }
    const auto& leaders = it->second;
    auto partitions = static_cast<int32_t>(leaders.size());
    // Looked up once per list, not per record: a record's own lookups (a map keyed by topic
    // string per partition considered) were the producer's largest cost after copying.
    auto& load = load_[topic];
    if (load.size() < leaders.size()) load.resize(leaders.size(), 0);
    std::vector<std::vector<Pending>*> queue(leaders.size(), nullptr);  // by partition
    // Failures and retries wait until the loop is done: failing a record may complete its put,
    // whose handler runs here and may close the producer (clearing ready_), and a retry drops
    // the topic's metadata (`leaders`).
    std::vector<std::pair<Pending, std::exception_ptr>> failed, retried;
    for (auto& p : list) {
      if (p.record.partition >= partitions) {
        failed.emplace_back(std::move(p),
                            std::make_exception_ptr(UsageError(
                                "partition " + std::to_string(p.record.partition) + " of topic " +
                                topic + ", which has " + std::to_string(partitions))));
        continue;
      }
      // Chosen once: a retried record stays on its partition, so keyed order holds.
      if (p.record.partition < 0) p.record.partition = choose(leaders, load, p.record);
      auto partition = static_cast<size_t>(p.record.partition);
      int32_t leader = leaders[partition];
      if (leader < 0 || !brokers_.count(leader)) {
        auto error = std::make_exception_ptr(BrokerError(
            5, "partition " + topic + "/" + std::to_string(p.record.partition) + " has no leader"));
        retried.emplace_back(std::move(p), std::move(error));
        continue;
      }
      ++load[partition];
      // std::map's elements stay put as others are added, so the queue's address holds.
      if (!queue[partition]) queue[partition] = &ready_[leader][topic][p.record.partition];
      queue[partition]->push_back(std::move(p));
    }
    if (!ready_.empty() && !flush_posted_) {
      flush_posted_ = true;
      asio::post(executor(), [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->flush();
      });
    }
    for (auto& [p, error] : retried) {
      if (closed_) return;
      retry(topic, std::move(p), error);
    }
    for (auto& [p, error] : failed) fail(p, error);
  }

  // `load`: records in flight by partition, as long as `leaders`.
  int32_t choose(const std::vector<int32_t>& leaders, const std::vector<int64_t>& load,
                 const Record& record) {
    auto n = static_cast<int32_t>(leaders.size());
    if (options_.partitioner == Partitioner::kKeyHash && record.key) {
      return (murmur2(*record.key) & 0x7fffffff) % n;
    }
    // Least loaded among partitions with a leader; the scan starts one further each time so
    // that ties spread.
    int32_t first = static_cast<int32_t>(rotation_++ % static_cast<uint64_t>(n));
    int32_t best = -1;
    int64_t best_load = 0;
    for (int32_t k = 0; k < n; ++k) {
      int32_t i = (first + k) % n;
      if (leaders[static_cast<size_t>(i)] < 0) continue;
      int64_t in_flight = load[static_cast<size_t>(i)];
      if (best < 0 || in_flight < best_load) {
        best = i;
        best_load = in_flight;
      }
    }
    return best < 0 ? first : best;
  }

  void flush() {
    flush_posted_ = false;
    if (closed_) return;
    auto ready = std::move(ready_);
    ready_.clear();
    for (auto& [leader, topics] : ready) {
      auto batch = std::make_shared<InFlight>();
      for (auto& [topic, partitions] : topics) {
        for (auto& [partition, records] : partitions) {
          batch->groups.push_back({topic, partition, std::move(records)});
        }
      }
      std::vector<TopicBatches> request;
      for (const auto& group : batch->groups) {
        if (request.empty() || request.back().topic != group.topic) {
          request.push_back({group.topic, {}});
        }
        PartitionBatch partition{group.partition, {}};
        for (const auto& p : group.records) partition.records.push_back(&p.record);
        request.back().partitions.push_back(std::move(partition));
      }
      Request call;
      call.method = "Produce";
      call.payload = encodeProduceRequest(++correlation_, options_.client_id, options_.acks,
                                          static_cast<int32_t>(options_.broker_timeout.count()),
                                          request, nowMs(), options_.compression);
      call.oneway = options_.acks == 0;
      brokers_.at(leader).channel->send(
          std::move(call),
          [weak = weak_from_this(), batch](std::exception_ptr error, Response response) {
            if (auto self = weak.lock()) self->produced(*batch, error, response);
          });
    }
  }

  void produced(InFlight& batch, std::exception_ptr error, const Response& response) {
    if (closed_) return;
    for (const auto& group : batch.groups) {
      auto& load = load_[group.topic];
      auto partition = static_cast<size_t>(group.partition);
      if (partition < load.size()) load[partition] -= static_cast<int64_t>(group.records.size());
    }
    std::vector<PartitionResult> results;
    if (!error && options_.acks != 0) {
      try {
        results = decodeProduceResponse(response.payload);
      } catch (...) {
        error = std::current_exception();
      }
    }
    for (auto& group : batch.groups) {
      if (error) {
        for (auto& p : group.records) retry(group.topic, std::move(p), error);
        continue;
      }
      if (options_.acks == 0) {
        for (auto& p : group.records) ack(p, {group.partition, -1});
        continue;
      }
      auto result = std::find_if(results.begin(), results.end(), [&](const PartitionResult& r) {
        return r.topic == group.topic && r.partition == group.partition;
      });
      if (result == results.end()) {
        auto missing = std::make_exception_ptr(ProtocolError(
            "Produce response without " + group.topic + "/" + std::to_string(group.partition)));
        for (auto& p : group.records) fail(p, missing);
      } else if (result->error == 0) {
        for (size_t i = 0; i < group.records.size(); ++i) {
          ack(group.records[i], {group.partition, result->base_offset + static_cast<int64_t>(i)});
        }
      } else {
        auto refused = std::make_exception_ptr(BrokerError(
            result->error, "kafka: " + group.topic + "/" + std::to_string(group.partition) + ": " +
                               errorName(result->error)));
        for (auto& p : group.records) {
          if (retriable(result->error)) {
            retry(group.topic, std::move(p), refused);
          } else {
            fail(p, refused);
          }
        }
      }
    }
  }

  // Another try after fresh metadata, if attempts and the deadline allow; else the error.
  void retry(const std::string& topic, Pending p, std::exception_ptr error) {
    if (++p.attempts >= options_.max_attempts || p.deadline.expired()) return fail(p, error);
    topics_.erase(topic);  // stale: the leader may have moved
    waiting_[topic].push_back(std::move(p));
    refresh(topic, options_.retry_backoff);
  }

  void refresh(const std::string& topic, Duration delay) {
    if (!refreshing_.insert(topic).second) return;
    if (delay == Duration::zero()) return requestMetadata({topic});
    auto& timer = timers_.try_emplace(topic, executor()).first->second;
    timer.expires_after(delay);
    timer.async_wait([weak = weak_from_this(), topic](boost::system::error_code ec) {
      if (ec) return;  // cancelled by close(): take no reference (see ~Producer)
      auto self = weak.lock();
      if (self && !self->closed_) self->requestMetadata({topic});
    });
  }

  // Armed by the first metadata that arrives, then once per period: a fixed beat, not one per
  // response, so refreshes cannot multiply.
  void armAgeTimer() {
    if (age_armed_ || closed_) return;
    age_armed_ = true;
    age_timer_.expires_after(options_.metadata_max_age);
    age_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;  // cancelled by close(): take no reference (see ~Producer)
      auto self = weak.lock();
      if (!self || self->closed_) return;
      self->age_armed_ = false;
      self->refreshAged();
      self->armAgeTimer();
    });
  }

  // Every known topic in one Metadata request, skipping those an error refresh is already on and
  // the whole beat while the previous beat's request is unanswered (a slow broker does not pile
  // them up). Routing keeps using the current metadata meanwhile.
  void refreshAged() {
    if (aged_in_flight_) return;
    std::vector<std::string> topics;
    for (const auto& [topic, leaders] : topics_) {
      if (refreshing_.insert(topic).second) topics.push_back(topic);
    }
    if (topics.empty()) return;
    aged_in_flight_ = true;
    requestMetadata(std::move(topics), true);
  }

  void requestMetadata(std::vector<std::string> topics, bool aged = false) {
    Request call;
    call.method = "Metadata";
    call.payload = encodeMetadataRequest(++correlation_, options_.client_id, topics);
    bootstrap_.send(std::move(call), [weak = weak_from_this(), topics = std::move(topics), aged](
                                         std::exception_ptr error, Response response) {
      auto self = weak.lock();
      if (!self) return;
      if (aged) self->aged_in_flight_ = false;
      self->metadata(topics, error, response);
    });
  }

  void metadata(const std::vector<std::string>& topics, std::exception_ptr error,
                const Response& response) {
    for (const auto& topic : topics) refreshing_.erase(topic);
    if (closed_) return;
    MetadataResponse md;
    if (!error) {
      try {
        md = decodeMetadataResponse(response.payload);
        for (const auto& broker : md.brokers) ensureBroker(broker);
      } catch (...) {
        error = std::current_exception();
      }
    }
    for (const auto& topic : topics) learned(topic, error, md);
  }

  // One topic's part of a Metadata response. A failed refresh keeps the topic's metadata (if it
  // still has any): only records waiting for it are retried.
  void learned(const std::string& topic, std::exception_ptr error, const MetadataResponse& md) {
    if (!error) {
      try {
        topics_[topic] = leadersOf(topic, md);
        armAgeTimer();
      } catch (...) {
        error = std::current_exception();
      }
    }
    auto list = std::move(waiting_[topic]);
    waiting_.erase(topic);
    if (list.empty()) return;
    if (error) {
      for (auto& p : list) retry(topic, std::move(p), error);
      return;
    }
    route(topic, std::move(list));
  }

  // partition -> leader (-1: none, or the partition reported an error).
  static std::vector<int32_t> leadersOf(const std::string& topic, const MetadataResponse& md) {
    auto it = std::find_if(md.topics.begin(), md.topics.end(),
                           [&](const TopicMetadata& t) { return t.name == topic; });
    if (it == md.topics.end()) throw ProtocolError("metadata response without " + topic);
    if (it->error != 0 || it->partitions.empty()) {
      auto code = it->error != 0 ? it->error : int16_t{3};
      throw BrokerError(code, "kafka: metadata for topic " + topic + ": " + errorName(code));
    }
    return partitionLeaders(*it);
  }

  void ensureBroker(const BrokerMetadata& broker) {
    std::string address = broker.host + ":" + std::to_string(broker.port);
    auto it = brokers_.find(broker.node_id);
    if (it != brokers_.end() && it->second.address == address) return;
    ClientConfig config = config_;
    config.executor = executor();
    auto uri = discovery::parseUri("tcp://" + address);
    auto channel = std::make_unique<client::Channel>(uri, std::move(config), pipelined());
    if (it != brokers_.end()) {
      retired_.push_back(std::move(it->second.channel));
      it->second = {address, std::move(channel)};
    } else {
      brokers_.emplace(broker.node_id, Broker{address, std::move(channel)});
    }
  }

  void ack(Pending& p, Ack where) {
    p.op->acks[p.index] = where;
    finishOne(p.op);
  }

  void fail(Pending& p, std::exception_ptr error) {
    if (!p.op->error) p.op->error = error;
    finishOne(p.op);
  }

  void finishOne(const std::shared_ptr<PutOp>& op) {
    if (--op->left > 0 || !op->handler) return;
    auto handler = std::move(*op->handler);
    op->handler.reset();
    if (op->error) {
      completeDispatch(executor(), std::move(handler), op->error, std::vector<Ack>{});
    } else {
      completeDispatch(executor(), std::move(handler), nullptr, std::move(op->acks));
    }
    ops_.erase(op);
  }

  struct Broker {
    std::string address;
    std::unique_ptr<client::Channel> channel;
  };

  ProducerOptions options_;
  ClientConfig config_;
  // Declared first among the clients: it owns the loop, so it goes last.
  client::Channel bootstrap_;
  std::map<int32_t, Broker> brokers_;
  std::vector<std::unique_ptr<client::Channel>> retired_;
  std::map<std::string, std::vector<int32_t>> topics_;   // partition -> leader (-1: none)
  std::map<std::string, std::vector<Pending>> waiting_;  // for metadata
  std::set<std::string> refreshing_;
  std::map<std::string, asio::steady_timer> timers_;
  asio::steady_timer age_timer_;  // metadata_max_age's beat
  bool age_armed_ = false;
  bool aged_in_flight_ = false;
  // leader -> topic -> partition -> records
  std::map<int32_t, std::map<std::string, std::map<int32_t, std::vector<Pending>>>> ready_;
  // Records in flight, by topic and partition.
  std::unordered_map<std::string, std::vector<int64_t>> load_;
  std::set<std::shared_ptr<PutOp>> ops_;
  uint64_t rotation_ = 0;
  int32_t correlation_ = 0;
  bool flush_posted_ = false;
  bool closed_ = false;
};

#define SCALES_KNOB(expr) \
  [](ProducerOptions & o) -> auto& { return o.expr; }

const OptionKeys<ProducerOptions>& ProducerOptions::uriKeys() {
  static const OptionKeys<ProducerOptions> keys = [] {
    OptionKeys<ProducerOptions> k;
    k.add("acks",
          [](ProducerOptions& o, const std::string& v) {
            int64_t acks = parse::integer(v);
            if (acks != -1 && acks != 0 && acks != 1) throw ConfigError("not -1, 0 or 1");
            o.acks = static_cast<int16_t>(acks);
          })
        .add("partitioner",
             [](ProducerOptions& o, const std::string& v) {
               if (v == "least_loaded") {
                 o.partitioner = Partitioner::kLeastLoaded;
               } else if (v == "key_hash") {
                 o.partitioner = Partitioner::kKeyHash;
               } else {
                 throw ConfigError("not least_loaded or key_hash");
               }
             })
        .add("compression",
             [](ProducerOptions& o, const std::string& v) {
               if (v == "none") {
                 o.compression = Compression::kNone;
               } else if (v == "gzip") {
                 o.compression = Compression::kGzip;
               } else if (v == "snappy") {
                 o.compression = Compression::kSnappy;
               } else if (v == "lz4") {
                 o.compression = Compression::kLz4;
               } else if (v == "zstd") {
                 o.compression = Compression::kZstd;
               } else {
                 throw ConfigError("not none, gzip, snappy, lz4 or zstd");
               }
             })
        .add("broker_timeout_ms",
             [](ProducerOptions& o, const std::string& v) {
               o.broker_timeout =
                   std::chrono::duration_cast<std::chrono::milliseconds>(parse::millis(v));
             })
        .count("max_attempts", SCALES_KNOB(max_attempts))
        .add("metadata_backoff_ms",
             [](ProducerOptions& o, const std::string& v) {
               o.retry_backoff =
                   std::chrono::duration_cast<std::chrono::milliseconds>(parse::millis(v));
             })
        .add("metadata_max_age_ms",
             [](ProducerOptions& o, const std::string& v) {
               o.metadata_max_age =
                   std::chrono::duration_cast<std::chrono::milliseconds>(parse::millis(v));
             })
        .text("client_id", SCALES_KNOB(client_id));
    return k;
  }();
  return keys;
}
#undef SCALES_KNOB

void ProducerOptions::validate() const {
  if (acks != -1 && acks != 0 && acks != 1) throw ConfigError("kafka acks must be -1, 0 or 1");
  if (max_attempts < 1) throw ConfigError("kafka max_attempts must be at least 1");
  if (compression < Compression::kNone || compression > Compression::kZstd) {
    throw ConfigError("kafka compression must be none, gzip, snappy, lz4 or zstd");
  }
  // Zero would make the refresh beat a busy loop.
  if (metadata_max_age < std::chrono::milliseconds(1)) {
    throw ConfigError("kafka metadata_max_age must be at least 1 ms");
  }
  if (broker_timeout.count() > std::numeric_limits<int32_t>::max()) {
    throw ConfigError("kafka broker_timeout does not fit Produce's int32 timeout_ms");
  }
}

std::shared_ptr<Producer> Producer::make(std::string_view uri, ClientConfig config,
                                         ProducerOptions options) {
  auto setup = client::parseClientUri(uri, std::move(config), std::move(options));
  return std::shared_ptr<Producer>(new Producer(
      std::make_shared<Engine>(setup.uri, std::move(setup.config), std::move(setup.options))));
}

Producer::Producer(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

Producer::~Producer() {
  std::promise<void> closed;
  asio::dispatch(engine_->executor(), [this, &closed] {
    engine_->close();
    closed.set_value();
  });
  closed.get_future().wait();
  // Handlers queued before or by close() (a timer that had just fired, say) may hold the engine
  // for a moment on the loop's thread; if the last reference were dropped there, the engine's
  // channel would destroy the loop's io_context from inside it. One more turn of the loop lets
  // them finish first, so the reset below is the last reference.
  std::promise<void> drained;
  asio::post(engine_->executor(), [&drained] { drained.set_value(); });
  drained.get_future().wait();
  engine_->destroyRetired();
  engine_.reset();
}

asio::any_io_executor Producer::executor() const { return engine_->executor(); }

void Producer::start(std::string topic, std::vector<Record> records, PutHandler handler) {
  engine_->start(std::move(topic), std::move(records), std::move(handler));
}

std::vector<Ack> Producer::put(std::string topic, std::vector<Record> records) {
  engine_->checkMayBlock();
  return put(std::move(topic), std::move(records), client::use_blocking);
}

std::vector<Ack> Producer::put(std::string topic, const std::vector<std::string>& values) {
  std::vector<Record> records;
  records.reserve(values.size());
  for (const auto& value : values) records.push_back(Record{std::nullopt, value, -1});
  return put(std::move(topic), std::move(records));
}

}  // namespace scales::kafka

// SPDX-License-Identifier: Apache-2.0
// scales-protocol-bench: the hand-written clients at full speed, for scripts/bench_protocols.sh,
// which runs the well-known client of each protocol against the same server in the same run.
//   redis  --redis H:P   SETs of 32-byte values, `concurrency` in flight over one connection
//   http   --http H:P    GETs of --path, `concurrency` in flight (as many keep-alive connections)
//   kafka                records of --record-bytes to librdkafka's mock cluster, in process:
//                        scales' producer and librdkafka's own, one after the other, both with
//                        --compression (none, gzip, snappy, lz4, zstd)
// Prints "<row> <operations per second>" lines (kafka-<codec>-... rows when compressing).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "scales/http/client.h"
#include "scales/kafka/producer.h"
#include "scales/redis/client.h"

namespace {
using Clock = std::chrono::steady_clock;

using namespace std::chrono_literals;

// Keeps `concurrency` operations in flight until `seconds` pass; returns completions per second.
// `start(done)` begins one operation and calls done(ok) when it ends (on the client's loop).
double closedLoop(int concurrency, double seconds,
                  const std::function<void(std::function<void(bool)>)>& start) {
  struct State {
    std::atomic<long> completed{0}, failed{0};
    std::atomic<int> running{0};
    Clock::time_point end;
    std::promise<void> all_done;
  };
  auto state = std::make_shared<State>();
  state->end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto begin = Clock::now();
  auto issue = std::make_shared<std::function<void()>>();
  *issue = [state, issue, &start] {
    start([state, issue](bool ok) {
      (ok ? state->completed : state->failed)++;
      if (Clock::now() < state->end) return (*issue)();
      if (--state->running == 0) state->all_done.set_value();
    });
  };
  state->running = concurrency;
  for (int i = 0; i < concurrency; ++i) (*issue)();
  state->all_done.get_future().wait();
  double took = std::chrono::duration<double>(Clock::now() - begin).count();
  if (state->failed > 0) std::fprintf(stderr, "%ld operations failed\n", state->failed.load());
  *issue = nullptr;
  return static_cast<double>(state->completed) / took;
}

double benchRedis(const std::string& address, int concurrency, double seconds) {
  auto client = scales::redis::Client::make("tcp://" + address);
  client->ping();
  std::string value(32, 'v');
  std::atomic<long> n{0};
  return closedLoop(concurrency, seconds, [&](std::function<void(bool)> done) {
    client->set("bench:" + std::to_string(n++ % 1000), value,
                [done = std::move(done)](std::exception_ptr e) { done(!e); });
  });
}

double benchHttp(const std::string& address, const std::string& path, int concurrency,
                 double seconds) {
  auto client = scales::http::Client::make("tcp://" + address);
  client->get(path);
  return closedLoop(concurrency, seconds, [&](std::function<void(bool)> done) {
    client->get(path, [done = std::move(done)](std::exception_ptr e, scales::http::Response r) {
      done(!e && r.status == 200);
    });
  });
}

struct MockCluster {
  rd_kafka_t* handle;
  rd_kafka_mock_cluster_t* cluster;
  explicit MockCluster(int partitions) {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "2", error, sizeof error);
    handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    cluster = rd_kafka_mock_cluster_new(handle, 1);
    rd_kafka_mock_topic_create(cluster, "bench", partitions, 1);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster); }
};

// The Kafka records' value, the same for both producers: a short log-like pattern repeated, so
// that compressing runs have something to compress (and uncompressed ones lose nothing).
std::string kafkaValue(size_t record_bytes) {
  static constexpr std::string_view kPattern = "ts=1700000000 level=info msg=bench user=42 ";
  std::string value;
  while (value.size() < record_bytes) value += kPattern;
  value.resize(record_bytes);
  return value;
}

// Puts of `batch` records, `concurrency` puts in flight.
double benchScalesKafka(const std::string& bootstraps, const std::string& compression,
                        size_t record_bytes, int batch, int concurrency, double seconds) {
  auto producer =
      scales::kafka::Producer::make("tcp://" + bootstraps + "?compression=" + compression);
  std::string value = kafkaValue(record_bytes);
  producer->put("bench", std::vector<std::string>{value});
  double puts = closedLoop(concurrency, seconds, [&](std::function<void(bool)> done) {
    std::vector<scales::kafka::Record> records(static_cast<size_t>(batch),
                                               scales::kafka::Record{std::nullopt, value, -1});
    producer->put("bench", std::move(records),
                  [done = std::move(done)](std::exception_ptr e, std::vector<scales::kafka::Ack>) {
                    done(!e);
                  });
  });
  return puts * batch;
}

// librdkafka's producer with its defaults but linger.ms=0 (ours does not linger either); as
// many records queued as scales keeps in flight.
double benchLibrdkafka(const std::string& bootstraps, const std::string& compression,
                       size_t record_bytes, long in_flight, double seconds) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), error, sizeof error);
  if (rd_kafka_conf_set(conf, "compression.codec", compression.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "librdkafka compression.codec=%s: %s\n", compression.c_str(), error);
    std::exit(2);
  }
  rd_kafka_conf_set(conf, "linger.ms", "0", error, sizeof error);
  rd_kafka_conf_set(conf, "log_level", "2", error, sizeof error);
  std::atomic<long> delivered{0}, outstanding{0};
  rd_kafka_conf_set_opaque(conf, &delivered);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (!m->err) ++*static_cast<std::atomic<long>*>(opaque);
  });
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  rd_kafka_topic_t* topic = rd_kafka_topic_new(producer, "bench", nullptr);
  std::string value = kafkaValue(record_bytes);
  auto produce = [&] {
    return rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(),
                            value.size(), nullptr, 0, nullptr) == 0;
  };
  produce();
  rd_kafka_flush(producer, 10000);
  long base = delivered;
  long sent = 0;
  auto begin = Clock::now();
  auto end =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    while (sent - (delivered - base) < in_flight && produce()) ++sent;
    rd_kafka_poll(producer, 1);
  }
  rd_kafka_flush(producer, 10000);
  double took = std::chrono::duration<double>(Clock::now() - begin).count();
  double rate = static_cast<double>(delivered - base) / took;
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(producer);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scales-protocol-bench: the HTTP, Redis and Kafka clients at full speed"};
  std::string redis, http, path = "/who", compression = "none";
  bool kafka = false;
  int concurrency = 64;
  double seconds = 3;
  size_t record_bytes = 100;
  app.add_option("--redis", redis, "redis-server host:port");
  app.add_option("--http", http, "HTTP server host:port");
  app.add_option("--path", path, "HTTP path to GET");
  app.add_flag("--kafka", kafka, "scales and librdkafka producers against a mock cluster");
  app.add_option("--concurrency", concurrency, "operations in flight");
  app.add_option("--seconds", seconds, "per row");
  app.add_option("--record-bytes", record_bytes, "Kafka record size");
  app.add_option("--compression", compression, "Kafka codec, the same for both producers")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  CLI11_PARSE(app, argc, argv);

  if (!redis.empty()) std::printf("redis-scales %.0f\n", benchRedis(redis, concurrency, seconds));
  if (!http.empty()) {
    std::printf("http-scales %.0f\n", benchHttp(http, path, concurrency, seconds));
  }
  if (kafka) {
    constexpr int kBatch = 100;
    MockCluster cluster(4);
    std::string row = compression == "none" ? "kafka" : "kafka-" + compression;
    std::printf("%s-scales %.0f\n", row.c_str(),
                benchScalesKafka(cluster.bootstraps(), compression, record_bytes, kBatch,
                                 concurrency, seconds));
    std::printf("%s-librdkafka %.0f\n", row.c_str(),
                benchLibrdkafka(cluster.bootstraps(), compression, record_bytes,
                                static_cast<long>(kBatch) * concurrency, seconds));
  }
  return 0;
}

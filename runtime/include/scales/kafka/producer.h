// SPDX-License-Identifier: Apache-2.0
// scales::kafka::Producer: writes records to Kafka over the shared client stack. Brokers come from
// the URI (a bootstrap list, or any discovery scheme that names them: the brokers Kafka registers
// in ZooKeeper with kafka+zk://, a zk:// serverset, ...); Metadata requests go through a client
// over those, and Produce requests through one client per partition leader, each a pipelined
// connection. Metadata is refreshed on errors and every metadata_max_age. Records put in one turn
// of the event loop leave together: one Produce request per broker, one record batch per partition.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scales/client/config.h"
#include "scales/client/use_blocking.h"
#include "scales/core/errors.h"
#include "scales/core/option_keys.h"
#include "scales/kafka/wire.h"

namespace scales::kafka {

enum class Partitioner {
  kLeastLoaded,  // the partition with the fewest records in flight (the Python scales client)
  kKeyHash,      // murmur2 of the key, as Java and librdkafka do; keyless records: least loaded
};

struct ProducerOptions {
  static constexpr std::string_view kProtocol = "kafka";
  // acks, partitioner, compression, broker_timeout_ms, max_attempts, metadata_backoff_ms,
  // metadata_max_age_ms, client_id
  static const OptionKeys<ProducerOptions>& uriKeys();

  Partitioner partitioner = Partitioner::kLeastLoaded;
  // -1: every in-sync replica, 1: the leader, 0: no acknowledgement (puts complete once written,
  // with offset -1).
  int16_t acks = 1;
  // Each record batch's records compressed with this codec (none, gzip, snappy, lz4, zstd), as
  // Kafka's compression.type; a batch that would not shrink goes uncompressed. zstd needs Kafka
  // 2.1 or newer.
  Compression compression = Compression::kNone;
  // How long the broker may wait for replicas (Produce's timeout_ms).
  std::chrono::milliseconds broker_timeout{5000};
  // Tries per record across leader changes and lost connections (the call's deadline,
  // ClientConfig::timeout, bounds them too), with this pause before a metadata refresh.
  int max_attempts = 5;
  std::chrono::milliseconds retry_backoff{100};
  // Known topics' metadata is refreshed this often even when nothing fails, so that partitions
  // added and leaders moved are used without a failed request first (Kafka's
  // metadata.max.age.ms and its default, 5 min). One Metadata request per period at most.
  std::chrono::milliseconds metadata_max_age{300000};
  std::string client_id = "scales";

  void validate() const;  // throws ConfigError
};

// Where a record was written.
struct Ack {
  int32_t partition = -1;
  int64_t offset = -1;
};

// A broker's refusal that retries did not cure, e.g. "MESSAGE_TOO_LARGE (10)".
class BrokerError : public Error {
 public:
  BrokerError(int16_t code, const std::string& what) : Error(what), code_(code) {}
  int16_t code() const { return code_; }
  SCALES_TRACEABLE(BrokerError)

 private:
  int16_t code_;
};

class Producer {
 public:
  using PutHandler =
      boost::asio::any_completion_handler<void(std::exception_ptr, std::vector<Ack>)>;

  // Throws ConfigError naming the bad part. The query may carry the stack's keys and the
  // producer's, e.g. ?acks=-1&partitioner=key_hash.
  static std::shared_ptr<Producer> make(std::string_view uri, ClientConfig config = {},
                                        ProducerOptions options = {});
  // Fails puts still in flight with UnavailableError.
  ~Producer();

  // Writes the records; completes once every one is acknowledged (acks in the same order), or
  // with the first error once each has succeeded or failed.
  template <class Token>
  auto put(std::string topic, std::vector<Record> records, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr, std::vector<Ack>)>(
        [this](auto handler, std::string t, std::vector<Record> r) {
          start(std::move(t), std::move(r), PutHandler(std::move(handler)));
        },
        token, std::move(topic), std::move(records));
  }
  std::vector<Ack> put(std::string topic, std::vector<Record> records);
  // Keyless values.
  std::vector<Ack> put(std::string topic, const std::vector<std::string>& values);

  boost::asio::any_io_executor executor() const;

 private:
  class Engine;
  explicit Producer(std::shared_ptr<Engine> engine);
  void start(std::string topic, std::vector<Record> records, PutHandler handler);

  std::shared_ptr<Engine> engine_;
};

}  // namespace scales::kafka

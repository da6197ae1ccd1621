// SPDX-License-Identifier: Apache-2.0
// librdkafka's built-in mock Kafka cluster, started inside the test process (its brokers listen
// on 127.0.0.1), and a real librdkafka consumer to read back what was produced.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace scales::testing {

struct ConsumedRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::string value;
};

class KafkaMockCluster {
 public:
  explicit KafkaMockCluster(int brokers);
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,..."
  std::string bootstraps() const { return bootstraps_; }
  void createTopic(const std::string& topic, int partitions);
  // Brokers are numbered from 1.
  void setLeader(const std::string& topic, int32_t partition, int32_t broker);
  // Drops the broker's connections and refuses new ones.
  void setDown(int32_t broker);

  // Reads every partition of `topic` from the beginning with a librdkafka consumer until
  // `count` records arrived or `within` passed. `strict`: the consumer checks every batch's
  // CRC-32C (check.crcs) and a consumer error (bad CRC, undecodable batch) throws.
  std::vector<ConsumedRecord> consume(const std::string& topic, int partitions, size_t count,
                                      std::chrono::milliseconds within, bool strict = false) const;
  // Where librdkafka's murmur2 partitioner (Java-compatible) puts `key`.
  int32_t murmur2Partition(const std::string& topic, const std::string& key,
                           int32_t partitions) const;

 private:
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstraps_;
};

}  // namespace scales::testing

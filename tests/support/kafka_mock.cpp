// SPDX-License-Identifier: Apache-2.0
#include "support/kafka_mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

namespace scales::testing {
namespace {
rd_kafka_conf_t* quietConf() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[256];
  rd_kafka_conf_set(conf, "log_level", "2", error, sizeof error);
  return conf;
}
}  // namespace

KafkaMockCluster::KafkaMockCluster(int brokers) {
  char error[256];
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, quietConf(), error, sizeof error);
  if (!handle_) throw std::runtime_error(std::string("rd_kafka_new: ") + error);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (!cluster_) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

KafkaMockCluster::~KafkaMockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

void KafkaMockCluster::createTopic(const std::string& topic, int partitions) {
  if (rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("cannot create topic " + topic);
  }
}

void KafkaMockCluster::setLeader(const std::string& topic, int32_t partition, int32_t broker) {
  rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker);
}

void KafkaMockCluster::setDown(int32_t broker) { rd_kafka_mock_broker_set_down(cluster_, broker); }

std::vector<ConsumedRecord> KafkaMockCluster::consume(const std::string& topic, int partitions,
                                                      size_t count,
                                                      std::chrono::milliseconds within,
                                                      bool strict) const {
  char error[256];
  rd_kafka_conf_t* conf = quietConf();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "scales-test", error, sizeof error);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
  if (strict) rd_kafka_conf_set(conf, "check.crcs", "true", error, sizeof error);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (!consumer) throw std::runtime_error(std::string("consumer: ") + error);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  std::vector<ConsumedRecord> records;
  auto give_up = std::chrono::steady_clock::now() + within;
  while (records.size() < count && std::chrono::steady_clock::now() < give_up) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (!message) continue;
    if (message->err && strict) {
      std::string why = rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      rd_kafka_consumer_close(consumer);
      rd_kafka_destroy(consumer);
      throw std::runtime_error("consumer: " + why);
    }
    if (!message->err) {
      ConsumedRecord record;
      record.partition = message->partition;
      record.offset = message->offset;
      if (message->key) {
        record.key.emplace(static_cast<const char*>(message->key), message->key_len);
      }
      record.value.assign(static_cast<const char*>(message->payload), message->len);
      records.push_back(std::move(record));
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return records;
}

int32_t KafkaMockCluster::murmur2Partition(const std::string& topic, const std::string& key,
                                           int32_t partitions) const {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
  int32_t partition = rd_kafka_msg_partitioner_murmur2(handle, key.data(), key.size(), partitions,
                                                       nullptr, nullptr);
  rd_kafka_topic_destroy(handle);
  return partition;
}

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// scales::kafka::Producer against librdkafka's mock Kafka cluster (in this process, brokers on
// 127.0.0.1). What was produced is read back with a real librdkafka consumer and compared byte
// for byte at the offsets the producer was acknowledged with; compressed batches, for each codec,
// by a consumer that checks CRCs and decompresses them.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <boost/asio/use_future.hpp>
#include <map>
#include <memory>
#include <thread>

#include "scales/kafka/producer.h"
#include "support/kafka_mock.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using kafka::Record;

std::string valueOf(int i) {
  std::string value = "value-" + std::to_string(i) + "-";
  for (int k = 0; k < i % 50; ++k) value += static_cast<char>(k * 7 + i);
  return value;
}

// Every acked record is where its ack says, byte for byte.
void expectAllAcked(const std::vector<Record>& sent, const std::vector<kafka::Ack>& acks,
                    const std::vector<ConsumedRecord>& consumed) {
  std::map<std::pair<int32_t, int64_t>, const ConsumedRecord*> at;
  for (const auto& record : consumed) at[{record.partition, record.offset}] = &record;
  ASSERT_EQ(sent.size(), acks.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    auto it = at.find({acks[i].partition, acks[i].offset});
    ASSERT_NE(it, at.end()) << "record " << i << " acked at " << acks[i].partition << "/"
                            << acks[i].offset << " was not read back";
    EXPECT_EQ(it->second->key, sent[i].key) << "record " << i;
    EXPECT_EQ(it->second->value, sent[i].value) << "record " << i;
  }
}

TEST(Kafka, ProducedRecordsReadBackByteForByte) {
  KafkaMockCluster cluster(3);
  cluster.createTopic("events", 4);
  auto producer = kafka::Producer::make("tcp://" + cluster.bootstraps());
  std::vector<Record> sent;
  for (int i = 0; i < 600; ++i) {
    std::optional<std::string> key;
    if (i % 3) key = "key-" + std::to_string(i);
    sent.push_back(Record{key, valueOf(i), -1});
  }
  // Six puts at once: they leave together, batched per broker and partition.
  std::vector<std::future<std::vector<kafka::Ack>>> puts;
  for (int k = 0; k < 6; ++k) {
    std::vector<Record> part(sent.begin() + k * 100, sent.begin() + (k + 1) * 100);
    puts.push_back(producer->put("events", std::move(part), asio::use_future));
  }
  std::vector<kafka::Ack> acks;
  for (auto& put : puts) {
    auto got = put.get();
    acks.insert(acks.end(), got.begin(), got.end());
  }
  // Least loaded spreads the records over the partitions evenly.
  std::map<int32_t, int> per_partition;
  for (const auto& ack : acks) ++per_partition[ack.partition];
  ASSERT_EQ(per_partition.size(), 4u);
  for (const auto& [partition, n] : per_partition) EXPECT_NEAR(n, 150, 10) << partition;

  auto consumed = cluster.consume("events", 4, sent.size(), 20s);
  EXPECT_EQ(consumed.size(), sent.size());
  expectAllAcked(sent, acks, consumed);
}

TEST(Kafka, KeyHashPlacesKeysWhereJavaAndLibrdkafkaDo) {
  KafkaMockCluster cluster(2);
  cluster.createTopic("keyed", 5);
  auto producer = kafka::Producer::make("tcp://" + cluster.bootstraps() + "?partitioner=key_hash");
  std::vector<Record> sent;
  for (int i = 0; i < 200; ++i)
    sent.push_back(Record{"user-" + std::to_string(i % 40), valueOf(i), -1});
  auto acks = producer->put("keyed", sent);
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(acks[i].partition, cluster.murmur2Partition("keyed", *sent[i].key, 5))
        << *sent[i].key;
  }
  // Offsets within a partition follow the order of the put.
  std::map<int32_t, int64_t> last;
  for (const auto& ack : acks) {
    if (last.count(ack.partition)) {
      EXPECT_GT(ack.offset, last[ack.partition]);
    }
    last[ack.partition] = ack.offset;
  }
  expectAllAcked(sent, acks, cluster.consume("keyed", 5, sent.size(), 20s));
}

TEST(Kafka, ExplicitPartitions) {
  KafkaMockCluster cluster(1);
  cluster.createTopic("t", 3);
  auto producer = kafka::Producer::make("tcp://" + cluster.bootstraps());
  auto acks = producer->put("t", {Record{std::nullopt, "to-2", 2}, Record{"k", "to-0", 0}});
  EXPECT_EQ(acks[0].partition, 2);
  EXPECT_EQ(acks[1].partition, 0);
  EXPECT_THROW(producer->put("t", {Record{std::nullopt, "x", 7}}), UsageError);
  auto consumed = cluster.consume("t", 3, 2, 20s);
  ASSERT_EQ(consumed.size(), 2u);
  for (const auto& record : consumed) {
    EXPECT_EQ(record.value, record.partition == 2 ? "to-2" : "to-0");
  }
  // (acks=0 is not tested here: librdkafka's mock broker answers such requests, which a real
  // broker never does.)
}

// One put with a record for a partition that has no leader between records for one that has:
// the leaderless record is retried (dropping the topic's metadata to look it up again) while
// the others go on to their leader, which must not read the metadata just dropped. The put
// fails once its retries are spent; the rest arrive.
TEST(Kafka, ALeaderlessPartitionInTheMiddleOfAPutDelaysOnlyItsOwnRecords) {
  KafkaMockCluster cluster(1);
  cluster.createTopic("split", 2);
  cluster.setLeader("split", 1, -1);
  auto producer = kafka::Producer::make("tcp://" + cluster.bootstraps() +
                                        "?max_attempts=2&metadata_backoff_ms=10");
  try {
    producer->put("split", {Record{std::nullopt, "a", 0}, Record{std::nullopt, "lost", 1},
                            Record{std::nullopt, "b", 0}, Record{std::nullopt, "c", 0}});
    ADD_FAILURE() << "a put with a record for a leaderless partition succeeded";
  } catch (const kafka::BrokerError& e) {
    EXPECT_NE(std::string(e.what()).find("has no leader"), std::string::npos) << e.what();
  }
  auto consumed = cluster.consume("split", 2, 3, 20s);
  ASSERT_EQ(consumed.size(), 3u);
  std::string values;
  for (const auto& record : consumed) {
    EXPECT_EQ(record.partition, 0);
    values += record.value;
  }
  EXPECT_EQ(values, "abc");
}

TEST(Kafka, LeaderChangeMidStreamLosesNoAcknowledgedRecord) {
  KafkaMockCluster cluster(3);
  cluster.createTopic("moving", 2);
  cluster.setLeader("moving", 0, 1);
  cluster.setLeader("moving", 1, 2);
  auto producer = kafka::Producer::make("tcp://" + cluster.bootstraps());
  std::vector<Record> sent;
  std::vector<kafka::Ack> acks;
  int failed_puts = 0;
  auto putBatch = [&](int round) {
    std::vector<Record> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(Record{std::nullopt, valueOf(round * 20 + i), -1});
    try {
      auto got = producer->put("moving", batch);
      sent.insert(sent.end(), batch.begin(), batch.end());
      acks.insert(acks.end(), got.begin(), got.end());
    } catch (const Error&) {
      ++failed_puts;
    }
  };
  for (int round = 0; round < 50; ++round) putBatch(round);
  // Both partitions move to broker 3 while puts keep coming, and the old leader of partition 0
  // goes down: puts succeed only by finding the new leader.
  cluster.setLeader("moving", 0, 3);
  cluster.setLeader("moving", 1, 3);
  cluster.setDown(1);
  for (int round = 50; round < 100; ++round) putBatch(round);
  cluster.setLeader("moving", 0, 2);
  for (int round = 100; round < 150; ++round) putBatch(round);

  EXPECT_EQ(failed_puts, 0) << "retries should carry every put across the leader changes";
  EXPECT_EQ(sent.size(), 150u * 20);
  auto consumed = cluster.consume("moving", 2, sent.size(), 30s);
  expectAllAcked(sent, acks, consumed);
}

// For each codec, compressed batches pass the mock broker's checks, and a real consumer (CRC
// checked, librdkafka's decompressors) reads back exactly the records put, in order.
TEST(Kafka, CompressedBatchesReadBackInOrderForEveryCodec) {
  KafkaMockCluster cluster(1);
  for (const std::string codec : {"gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    std::string topic = "compressed-" + codec;
    cluster.createTopic(topic, 1);
    auto producer =
        kafka::Producer::make("tcp://" + cluster.bootstraps() + "?compression=" + codec);
    // 100 records of 1000 repetitive bytes (compression matters), every other one keyed, in two
    // puts: two compressed batches.
    std::vector<Record> sent;
    for (int i = 0; i < 100; ++i) {
      std::optional<std::string> key;
      if (i % 2 == 0) key = "key-" + std::to_string(i);
      std::string value = "record-" + std::to_string(i) + ":";
      while (value.size() < 1000) value += static_cast<char>('a' + (value.size() / 10 + i) % 26);
      sent.push_back(Record{key, value, -1});
    }
    std::vector<kafka::Ack> acks;
    for (int half = 0; half < 2; ++half) {
      auto got = producer->put(
          topic, std::vector<Record>(sent.begin() + half * 50, sent.begin() + (half + 1) * 50));
      acks.insert(acks.end(), got.begin(), got.end());
    }
    for (size_t i = 0; i < acks.size(); ++i) {
      EXPECT_EQ(acks[i].partition, 0);
      EXPECT_EQ(acks[i].offset, static_cast<int64_t>(i));
    }
    auto consumed = cluster.consume(topic, 1, sent.size(), 20s, /*strict=*/true);
    ASSERT_EQ(consumed.size(), sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(consumed[i].offset, static_cast<int64_t>(i));
      EXPECT_EQ(consumed[i].key, sent[i].key) << "record " << i;
      EXPECT_EQ(consumed[i].value, sent[i].value) << "record " << i;
    }
  }
}

TEST(Kafka, UnreachableBrokersAndBadOptionsFailClearly) {
  auto producer = kafka::Producer::make("tcp://127.0.0.1:1?timeout_ms=500");
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(producer->put("t", std::vector<std::string>{"x"}), Error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_THROW(kafka::Producer::make("tcp://127.0.0.1:1?acks=2"), ConfigError);
  EXPECT_THROW(kafka::Producer::make("tcp://127.0.0.1:1?partitioner=random"), ConfigError);
  EXPECT_THROW(kafka::Producer::make("tcp://127.0.0.1:1?compression=bogus"), ConfigError);
  EXPECT_THROW(kafka::Producer::make("tcp://127.0.0.1:1?bogus=1"), ConfigError);
}

}  // namespace
}  // namespace scales::testing

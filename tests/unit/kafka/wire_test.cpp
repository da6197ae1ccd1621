// SPDX-License-Identifier: Apache-2.0
// The Kafka wire slice: CRC-32C and murmur2 against published vectors, request layout byte for
// byte, record batches, and response decoders refusing truncated or lying input.
#include "scales/kafka/wire.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "scales/core/errors.h"

namespace scales::kafka {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(KafkaWire, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

// The instruction path (8 bytes at a time, then the tail) agrees with the table for every
// length and alignment, including lengths below 8 and a tail of each size.
TEST(KafkaWire, Crc32cAgreesWithThePortableTableAtEveryLengthAndOffset) {
  std::string data(300, '\0');
  uint32_t x = 12345;
  for (char& c : data) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t length = 0; offset + length <= data.size(); length += 1 + length / 16) {
      std::string_view slice(data.data() + offset, length);
      ASSERT_EQ(crc32c(slice), detail::crc32cPortable(slice)) << offset << "+" << length;
    }
  }
}

TEST(KafkaWire, Murmur2MatchesTheJavaClient) {
  // Kafka's UtilsTest vectors.
  EXPECT_EQ(murmur2("21"), -973932308);
  EXPECT_EQ(murmur2("foobar"), -790332482);
  EXPECT_EQ(murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(murmur2("abc"), 479470107);
}

TEST(KafkaWire, MetadataRequestLayout) {
  auto wire = encodeMetadataRequest(7, "id", {"t"});
  EXPECT_EQ(wire, bytes({0, 0, 0,   19,   // size
                         0, 3, 0,   1,    // Metadata v1
                         0, 0, 0,   7,    // correlation id
                         0, 2, 'i', 'd',  // client id
                         0, 0, 0,   1,    // one topic
                         0, 1, 't'}));
}

TEST(KafkaWire, RecordBatchHasItsLengthMagicAndCrc) {
  Record a{"k", "value", -1};
  Record b{std::nullopt, "", -1};
  auto batch = encodeRecordBatch({&a, &b}, 1000);
  ASSERT_GT(batch.size(), 61u);
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(batch[at])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(batch[at + 1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(batch[at + 2])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(batch[at + 3]));
  };
  EXPECT_EQ(u32(8), batch.size() - 12);                            // batch length
  EXPECT_EQ(batch[16], 2);                                         // magic
  EXPECT_EQ(u32(17), crc32c(std::string_view(batch).substr(21)));  // crc over the rest
  EXPECT_EQ(u32(57), 2u);                                          // record count
  // Zigzag varints. First record: length 12 (24), attributes, timestamp delta 0, offset delta 0,
  // key length 1 (2) "k", value length 5 (10) "value", no headers. Second: length 6 (12),
  // attributes, timestamp delta 0, offset delta 1 (2), null key (-1: 1), empty value, no headers.
  EXPECT_EQ(batch.substr(61), bytes({24, 0, 0, 0, 2, 'k', 10, 'v', 'a', 'l', 'u', 'e', 0,  //
                                     12, 0, 0, 2, 1, 0,   0}));
}

TEST(KafkaWire, DecodesProduceAndMetadataResponses) {
  // Produce v7's response.
  auto produce = bytes({0,  0,  0,  9,                    // correlation id
                        0,  0,  0,  1,  0,  1,  't',      // one topic "t"
                        0,  0,  0,  1,                    // one partition
                        0,  0,  0,  2,  0,  6,            // partition 2, NOT_LEADER
                        0,  0,  0,  0,  0,  0,  0,   42,  // base offset
                        -1, -1, -1, -1, -1, -1, -1,  -1,  // log append time
                        0,  0,  0,  0,  0,  0,  0,   5,   // log start offset (v5+)
                        0,  0,  0,  0});                  // throttle
  auto results = decodeProduceResponse(produce);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].partition, 2);
  EXPECT_EQ(results[0].error, 6);
  EXPECT_EQ(results[0].base_offset, 42);
  EXPECT_TRUE(retriable(results[0].error));
  EXPECT_EQ(errorName(6), "NOT_LEADER_OR_FOLLOWER (6)");
  for (size_t cut = 0; cut + 4 < produce.size(); ++cut) {
    EXPECT_THROW(decodeProduceResponse(std::string_view(produce).substr(0, cut)), ProtocolError)
        << cut;
  }
  // A count that cannot fit in the bytes left is refused before anything is allocated.
  EXPECT_THROW(decodeMetadataResponse(bytes({0, 0, 0, 1, 0x7f, -1, -1, -1})), ProtocolError);

  auto metadata = bytes({0, 0, 0, 1,                                         // correlation id
                         0, 0, 0, 1,                                         // one broker
                         0, 0, 0, 3, 0,   1, 'h', 0, 0, 0x23, 0x84, -1, -1,  // 3 h:9092, no rack
                         0, 0, 0, 3,                                         // controller
                         0, 0, 0, 1,                                         // one topic
                         0, 0, 0, 1, 't', 0,                // ok, "t", not internal
                         0, 0, 0, 1,                        // one partition
                         0, 0, 0, 0, 0,   0, 0,   0, 0, 3,  // ok, partition 0, leader 3
                         0, 0, 0, 1, 0,   0, 0,   3,        // replicas [3]
                         0, 0, 0, 1, 0,   0, 0,   3});      // isr [3]
  auto md = decodeMetadataResponse(metadata);
  ASSERT_EQ(md.brokers.size(), 1u);
  EXPECT_EQ(md.brokers[0].host, "h");
  EXPECT_EQ(md.brokers[0].port, 9092);
  ASSERT_EQ(md.topics.size(), 1u);
  EXPECT_EQ(md.topics[0].partitions[0].leader, 3);
}

// Leaders by partition, listed in any order; 9 (REPLICA_NOT_AVAILABLE) keeps its leader, other
// errors have none. A partition listed twice is refused, and so is an id past the count listed,
// not a table that long: one
// 18-byte partition entry naming partition 1,048,576 used to make a 4 MiB table (and 8 MiB more
// per list of records routed).
TEST(KafkaWire, PartitionLeadersAreAsManyAsThePartitionsListed) {
  TopicMetadata topic{0, "t", {{0, 2, 7}, {9, 0, 5}, {6, 1, 3}}};
  EXPECT_EQ(partitionLeaders(topic), (std::vector<int32_t>{5, -1, 7}));
  for (int32_t id : {3, -1, 1 << 20, INT32_MAX}) {
    topic.partitions[1].partition = id;
    try {
      partitionLeaders(topic);
      ADD_FAILURE() << "partition " << id << " of 3 accepted";
    } catch (const ProtocolError& e) {
      EXPECT_NE(std::string(e.what()).find("partition " + std::to_string(id)), std::string::npos)
          << e.what();
    }
  }
  topic.partitions[1].partition = 2;  // 2 twice, 0 missing
  EXPECT_THROW(partitionLeaders(topic), ProtocolError);
}

}  // namespace
}  // namespace scales::kafka

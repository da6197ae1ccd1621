// SPDX-License-Identifier: Apache-2.0
// The slice of the Kafka protocol a producer needs, as pure functions over bytes: Metadata v1 and
// Produce v7 requests and responses, record batches (magic 2, CRC-32C, optionally compressed), and
// the Java client's murmur2 key hash. Requests are encoded with their 4-byte size prefix; responses
// are decoded from the frame after it. Decoders bound every count and length by the bytes present
// and throw ProtocolError for anything malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scales::kafka {

namespace api {
inline constexpr int16_t kProduce = 0;
inline constexpr int16_t kMetadata = 3;
}  // namespace api

// A record batch's codec; the values are its bits in the batch attributes.
enum class Compression : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

struct Record {
  std::optional<std::string> key;  // null: no key
  std::string value;
  // The partition to write to; -1: the producer's partitioner chooses.
  int32_t partition = -1;
};

struct BrokerMetadata {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};

struct PartitionMetadata {
  int16_t error = 0;
  int32_t partition = 0;
  int32_t leader = -1;
};

struct TopicMetadata {
  int16_t error = 0;
  std::string name;
  std::vector<PartitionMetadata> partitions;
};

struct MetadataResponse {
  std::vector<BrokerMetadata> brokers;
  std::vector<TopicMetadata> topics;
};

// One partition's records in a Produce request.
struct PartitionBatch {
  int32_t partition = 0;
  std::vector<const Record*> records;
};

struct TopicBatches {
  std::string topic;
  std::vector<PartitionBatch> partitions;
};

struct PartitionResult {
  std::string topic;
  int32_t partition = 0;
  int16_t error = 0;
  int64_t base_offset = -1;
};

std::string encodeMetadataRequest(int32_t correlation_id, std::string_view client_id,
                                  const std::vector<std::string>& topics);
MetadataResponse decodeMetadataResponse(std::string_view frame);
// A topic's leaders by partition (-1: none, or the partition reported an error). Partitions are
// numbered 0 to N-1, N the count the response lists: an id outside that, or one listed twice, is
// a ProtocolError, so the table is as long as what arrived describes, never as long as an id a
// broker names.
std::vector<int32_t> partitionLeaders(const TopicMetadata& topic);

// Produce v7: the first version brokers accept zstd batches in (Kafka 2.1+), and the newest that
// librdkafka 2.0's mock cluster (Debian bookworm's, the tests' broker) answers. `timestamp_ms`
// stamps every record (CreateTime).
std::string encodeProduceRequest(int32_t correlation_id, std::string_view client_id, int16_t acks,
                                 int32_t timeout_ms, const std::vector<TopicBatches>& topics,
                                 int64_t timestamp_ms,
                                 Compression compression = Compression::kNone);
std::vector<PartitionResult> decodeProduceResponse(std::string_view frame);

// A record batch (v2) as it sits in a Produce request's records field. With a codec, the records
// section (everything after the record count) is compressed as a whole, unless that would not make
// it smaller: then the batch goes uncompressed, as librdkafka does.
std::string encodeRecordBatch(const std::vector<const Record*>& records, int64_t timestamp_ms,
                              Compression compression = Compression::kNone);

// CRC-32C (Castagnoli), with the CPU's crc32 instruction where it has one.
uint32_t crc32c(std::string_view bytes);
namespace detail {
// The same without the instruction (Boost.CRC's table), to check it against.
uint32_t crc32cPortable(std::string_view bytes);
}  // namespace detail
// The Java client's murmur2, so that keyed records land where Java and librdkafka's murmur2
// partitioner put them: partition = (murmur2(key) & 0x7fffffff) % partitions.
int32_t murmur2(std::string_view key);

// The broker's error code by name, e.g. "NOT_LEADER_OR_FOLLOWER (6)".
std::string errorName(int16_t code);
// Errors after which the same records may succeed once metadata is refreshed.
bool retriable(int16_t code);

}  // namespace scales::kafka

// SPDX-License-Identifier: Apache-2.0
#include "scales/kafka/wire.h"

#include <boost/crc.hpp>
#include <boost/endian/conversion.hpp>
#include <cstring>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "kafka/compression.h"
#include "scales/core/errors.h"

namespace scales::kafka {
namespace {

class Writer {
 public:
  std::string& bytes() { return out_; }
  template <class T>
  void fixed(T value) {
    using U = std::make_unsigned_t<T>;
    auto big = boost::endian::native_to_big(static_cast<U>(value));
    out_.append(reinterpret_cast<const char*>(&big), sizeof big);
  }
  void string(std::string_view text) {
    fixed<int16_t>(static_cast<int16_t>(text.size()));
    out_.append(text);
  }
  void nullString() { fixed<int16_t>(-1); }
  // Zigzag varints, as record fields use them.
  void varint(int64_t value) {
    auto zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
    while (zigzag >= 0x80) {
      out_ += static_cast<char>((zigzag & 0x7f) | 0x80);
      zigzag >>= 7;
    }
    out_ += static_cast<char>(zigzag);
  }
  void varBytes(const std::optional<std::string>& bytes) {
    if (!bytes) return varint(-1);
    varint(static_cast<int64_t>(bytes->size()));
    out_.append(*bytes);
  }
  // Writes the int32 size of what follows `at` into the 4 bytes at `at`.
  void patchSize(size_t at) {
    auto size = boost::endian::native_to_big(static_cast<uint32_t>(out_.size() - at - 4));
    std::memcpy(out_.data() + at, &size, 4);
  }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  T fixed() {
    need(sizeof(T));
    std::make_unsigned_t<T> big;
    std::memcpy(&big, in_.data() + pos_, sizeof big);
    pos_ += sizeof big;
    return static_cast<T>(boost::endian::big_to_native(big));
  }
  std::string string() {
    auto size = fixed<int16_t>();
    if (size < 0) return {};
    need(static_cast<size_t>(size));
    std::string text(in_.substr(pos_, static_cast<size_t>(size)));
    pos_ += static_cast<size_t>(size);
    return text;
  }
  // An array count, bounded by the bytes left (every element takes at least `min_size`).
  size_t count(size_t min_size) {
    auto n = fixed<int32_t>();
    if (n < 0) return 0;
    if (static_cast<size_t>(n) > (in_.size() - pos_) / min_size) {
      throw ProtocolError("kafka response claims " + std::to_string(n) +
                          " elements in the bytes left");
    }
    return static_cast<size_t>(n);
  }
  void skip(size_t n) {
    need(n);
    pos_ += n;
  }

 private:
  void need(size_t n) const {
    if (in_.size() - pos_ < n) throw ProtocolError("kafka response ends early");
  }
  std::string_view in_;
  size_t pos_ = 0;
};

void header(Writer& w, int16_t api_key, int16_t version, int32_t correlation_id,
            std::string_view client_id) {
  w.fixed<int32_t>(0);  // size, patched at the end
  w.fixed(api_key);
  w.fixed(version);
  w.fixed(correlation_id);
  w.string(client_id);
}

}  // namespace

std::string encodeMetadataRequest(int32_t correlation_id, std::string_view client_id,
                                  const std::vector<std::string>& topics) {
  Writer w;
  header(w, api::kMetadata, 1, correlation_id, client_id);
  w.fixed<int32_t>(static_cast<int32_t>(topics.size()));
  for (const auto& topic : topics) w.string(topic);
  w.patchSize(0);
  return std::move(w.bytes());
}

MetadataResponse decodeMetadataResponse(std::string_view frame) {
  Reader r(frame);
  r.fixed<int32_t>();  // correlation id
  MetadataResponse response;
  response.brokers.resize(r.count(14));
  for (auto& broker : response.brokers) {
    broker.node_id = r.fixed<int32_t>();
    broker.host = r.string();
    broker.port = r.fixed<int32_t>();
    r.string();  // rack
  }
  r.fixed<int32_t>();  // controller id
  response.topics.resize(r.count(9));
  for (auto& topic : response.topics) {
    topic.error = r.fixed<int16_t>();
    topic.name = r.string();
    r.fixed<int8_t>();  // is_internal
    topic.partitions.resize(r.count(18));
    for (auto& partition : topic.partitions) {
      partition.error = r.fixed<int16_t>();
      partition.partition = r.fixed<int32_t>();
      partition.leader = r.fixed<int32_t>();
      r.skip(4 * r.count(4));  // replicas
      r.skip(4 * r.count(4));  // in-sync replicas
    }
  }
  return response;
}

std::vector<int32_t> partitionLeaders(const TopicMetadata& topic) {
  std::vector<int32_t> leaders(topic.partitions.size(), -1);
  std::vector<bool> listed(topic.partitions.size(), false);
  for (const auto& partition : topic.partitions) {
    if (partition.partition < 0 || static_cast<size_t>(partition.partition) >= leaders.size()) {
      throw ProtocolError("kafka: metadata names partition " + std::to_string(partition.partition) +
                          " of topic " + topic.name + ", which it lists " +
                          std::to_string(leaders.size()) + " partitions for");
    }
    // Listed twice, one of 0..N-1 is missing: records sent there would wait for a leader forever.
    if (listed[static_cast<size_t>(partition.partition)]) {
      throw ProtocolError("kafka: metadata lists partition " + std::to_string(partition.partition) +
                          " of topic " + topic.name + " twice");
    }
    listed[static_cast<size_t>(partition.partition)] = true;
    // 9 (REPLICA_NOT_AVAILABLE) still names a leader.
    leaders[static_cast<size_t>(partition.partition)] =
        partition.error == 0 || partition.error == 9 ? partition.leader : -1;
  }
  return leaders;
}

std::string encodeRecordBatch(const std::vector<const Record*>& records, int64_t timestamp_ms,
                              Compression compression) {
  Writer body;  // the records section, compressed as a whole when there is a codec
  Writer record;
  for (size_t i = 0; i < records.size(); ++i) {
    record.bytes().clear();
    record.fixed<int8_t>(0);  // attributes
    record.varint(0);         // timestamp delta
    record.varint(static_cast<int64_t>(i));
    record.varBytes(records[i]->key);
    record.varint(static_cast<int64_t>(records[i]->value.size()));
    record.bytes().append(records[i]->value);
    record.varint(0);  // headers
    body.varint(static_cast<int64_t>(record.bytes().size()));
    body.bytes().append(record.bytes());
  }
  if (compression != Compression::kNone) {
    try {
      auto compressed = compress(compression, body.bytes());
      // A section that would not shrink goes as it is (as librdkafka does): the broker and every
      // consumer are spared the decompression.
      if (compressed.size() < body.bytes().size()) {
        body.bytes() = std::move(compressed);
      } else {
        compression = Compression::kNone;
      }
    } catch (const Error&) {
      compression = Compression::kNone;  // the library could not allocate: send it uncompressed
    }
  }

  Writer w;
  w.bytes().reserve(61 + body.bytes().size());
  w.fixed<int64_t>(0);   // base offset
  w.fixed<int32_t>(0);   // batch length, patched below
  w.fixed<int32_t>(-1);  // partition leader epoch
  w.fixed<int8_t>(2);    // magic
  w.fixed<uint32_t>(0);  // crc, patched below
  size_t crc_from = w.bytes().size();
  // Attributes: the codec in the low 3 bits; CreateTime, not transactional, not control.
  w.fixed<int16_t>(static_cast<int16_t>(compression));
  w.fixed<int32_t>(static_cast<int32_t>(records.size()) - 1);  // last offset delta
  w.fixed<int64_t>(timestamp_ms);                              // first timestamp
  w.fixed<int64_t>(timestamp_ms);                              // max timestamp
  w.fixed<int64_t>(-1);                                        // producer id
  w.fixed<int16_t>(-1);                                        // producer epoch
  w.fixed<int32_t>(-1);                                        // base sequence
  w.fixed<int32_t>(static_cast<int32_t>(records.size()));
  w.bytes().append(body.bytes());
  w.patchSize(8);
  // The CRC covers the bytes as sent, compressed or not.
  auto crc = boost::endian::native_to_big(crc32c(std::string_view(w.bytes()).substr(crc_from)));
  std::memcpy(w.bytes().data() + crc_from - 4, &crc, 4);
  return std::move(w.bytes());
}

std::string encodeProduceRequest(int32_t correlation_id, std::string_view client_id, int16_t acks,
                                 int32_t timeout_ms, const std::vector<TopicBatches>& topics,
                                 int64_t timestamp_ms, Compression compression) {
  Writer w;
  header(w, api::kProduce, 7, correlation_id, client_id);
  w.nullString();  // transactional id
  w.fixed(acks);
  w.fixed(timeout_ms);
  w.fixed<int32_t>(static_cast<int32_t>(topics.size()));
  for (const auto& topic : topics) {
    w.string(topic.topic);
    w.fixed<int32_t>(static_cast<int32_t>(topic.partitions.size()));
    for (const auto& batch : topic.partitions) {
      w.fixed(batch.partition);
      auto records = encodeRecordBatch(batch.records, timestamp_ms, compression);
      w.fixed<int32_t>(static_cast<int32_t>(records.size()));
      w.bytes().append(records);
    }
  }
  w.patchSize(0);
  return std::move(w.bytes());
}

// Produce v7's response: per partition its error, base offset, log append time and log start
// offset; then the throttle time.
std::vector<PartitionResult> decodeProduceResponse(std::string_view frame) {
  Reader r(frame);
  r.fixed<int32_t>();  // correlation id
  std::vector<PartitionResult> results;
  size_t topics = r.count(6);
  for (size_t t = 0; t < topics; ++t) {
    auto name = r.string();
    size_t partitions = r.count(30);
    for (size_t p = 0; p < partitions; ++p) {
      PartitionResult result;
      result.topic = name;
      result.partition = r.fixed<int32_t>();
      result.error = r.fixed<int16_t>();
      result.base_offset = r.fixed<int64_t>();
      r.fixed<int64_t>();  // log append time
      r.fixed<int64_t>();  // log start offset
      results.push_back(std::move(result));
    }
  }
  return results;
}

namespace {
#if defined(__x86_64__)
// SSE 4.2's crc32 instruction computes CRC-32C itself, 8 bytes at a time: a record batch's CRC
// cost the producer ~10 instructions per byte through Boost's table, ~10% of its work.
__attribute__((target("sse4.2"))) uint32_t crc32cSse42(std::string_view bytes) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t crc = 0xFFFFFFFF;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = _mm_crc32_u8(crc32, static_cast<uint8_t>(*p));
  return crc32 ^ 0xFFFFFFFF;
}
#endif
}  // namespace

uint32_t detail::crc32cPortable(std::string_view bytes) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

uint32_t crc32c(std::string_view bytes) {
#if defined(__x86_64__)
  static const bool sse42 = __builtin_cpu_supports("sse4.2");
  if (sse42) return crc32cSse42(bytes);
#endif
  return detail::crc32cPortable(bytes);
}

int32_t murmur2(std::string_view key) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  auto length = static_cast<uint32_t>(key.size());
  uint32_t h = kSeed ^ length;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(key[i])); };
  size_t quads = length / 4;
  for (size_t i = 0; i < quads; ++i) {
    uint32_t k = byte(4 * i) | byte(4 * i + 1) << 8 | byte(4 * i + 2) << 16 | byte(4 * i + 3) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  size_t tail = quads * 4;
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

std::string errorName(int16_t code) {
  const char* name = "error";
  switch (code) {
    case 2:
      name = "CORRUPT_MESSAGE";
      break;
    case 3:
      name = "UNKNOWN_TOPIC_OR_PARTITION";
      break;
    case 5:
      name = "LEADER_NOT_AVAILABLE";
      break;
    case 6:
      name = "NOT_LEADER_OR_FOLLOWER";
      break;
    case 7:
      name = "REQUEST_TIMED_OUT";
      break;
    case 10:
      name = "MESSAGE_TOO_LARGE";
      break;
    case 13:
      name = "NETWORK_EXCEPTION";
      break;
    case 17:
      name = "INVALID_TOPIC_EXCEPTION";
      break;
    case 18:
      name = "RECORD_LIST_TOO_LARGE";
      break;
    case 19:
      name = "NOT_ENOUGH_REPLICAS";
      break;
    case 20:
      name = "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
      break;
    case 29:
      name = "TOPIC_AUTHORIZATION_FAILED";
      break;
    case 76:
      name = "UNSUPPORTED_COMPRESSION_TYPE";
      break;
    case 87:
      name = "INVALID_RECORD";
      break;
    default:
      break;
  }
  return std::string(name) + " (" + std::to_string(code) + ")";
}

bool retriable(int16_t code) {
  switch (code) {
    case 3:
    case 5:
    case 6:
    case 7:
    case 13:
    case 19:
    case 20:
      return true;
    default:
      return false;
  }
}

}  // namespace scales::kafka

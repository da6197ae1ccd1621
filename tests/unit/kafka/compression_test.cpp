// SPDX-License-Identifier: Apache-2.0
// Compressed record batches: for each codec the batch says so in its attributes, its CRC-32C
// covers the compressed bytes, and the codec's own library decompresses its records section to
// exactly the uncompressed one, in the exact form Kafka's readers take (gzip wrapper, raw snappy,
// LZ4 frame with independent blocks, one zstd frame). Plus the URI key that chooses the codec.
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <random>

#include "scales/client/uri_options.h"
#include "scales/kafka/producer.h"
#include "scales/kafka/wire.h"

namespace scales::kafka {
namespace {

constexpr size_t kRecordsAt = 61;  // the records section follows the 61-byte batch header

uint32_t u32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

int16_t attributes(std::string_view batch) {
  return static_cast<int16_t>(static_cast<uint8_t>(batch[21]) << 8 |
                              static_cast<uint8_t>(batch[22]));
}

// Keyed and keyless records, large and repetitive so that every codec shrinks them.
std::vector<Record> compressible() {
  std::vector<Record> records;
  for (int i = 0; i < 40; ++i) {
    std::optional<std::string> key;
    if (i % 2) key = "key-" + std::to_string(i);
    std::string value;
    while (value.size() < 500) value += "reading-" + std::to_string(i % 7) + ";";
    records.push_back(Record{key, value, -1});
  }
  return records;
}

std::vector<const Record*> pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const auto& r : records) out.push_back(&r);
  return out;
}

// Each codec's own decoder, taking only the form Kafka expects.
std::string gunzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);  // 15 + 16: gzip wrapper only
  std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, inflateEnd);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  out.resize(z.total_out);
  return out;
}

std::string unsnappy(std::string_view in) {
  std::string out;
  EXPECT_TRUE(snappy::Uncompress(in.data(), in.size(), &out));
  return out;
}

std::string unlz4(std::string_view in) {
  LZ4F_dctx* context = nullptr;
  EXPECT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION)));
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> free(context,
                                                                    LZ4F_freeDecompressionContext);
  std::string out;
  char chunk[65536];
  size_t at = 0;
  size_t hint = 1;
  while (at < in.size() && hint != 0) {
    size_t src = in.size() - at;
    size_t dst = sizeof chunk;
    hint = LZ4F_decompress(context, chunk, &dst, in.data() + at, &src, nullptr);
    if (LZ4F_isError(hint)) {
      ADD_FAILURE() << LZ4F_getErrorName(hint);  // e.g. a wrong header checksum
      return out;
    }
    out.append(chunk, dst);
    at += src;
  }
  EXPECT_EQ(hint, 0u) << "the frame did not end";
  EXPECT_EQ(at, in.size()) << "bytes after the frame";
  return out;
}

std::string unzstd(std::string_view in) {
  EXPECT_EQ(ZSTD_findFrameCompressedSize(in.data(), in.size()), in.size()) << "one frame";
  auto size = ZSTD_getFrameContentSize(in.data(), in.size());
  EXPECT_LT(size, ZSTD_CONTENTSIZE_ERROR);
  std::string out(size < (1u << 20) ? size : 0, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

struct Codec {
  const char* name;
  Compression compression;
  std::string (*decompress)(std::string_view);
};

class KafkaCompression : public ::testing::TestWithParam<Codec> {};

TEST_P(KafkaCompression, BatchCarriesTheCodecBitsAValidCrcAndDecompressesToTheRecords) {
  auto records = compressible();
  auto plain = encodeRecordBatch(pointers(records), 1000);
  auto batch = encodeRecordBatch(pointers(records), 1000, GetParam().compression);
  ASSERT_EQ(attributes(plain), 0);
  ASSERT_GT(batch.size(), kRecordsAt);

  EXPECT_EQ(attributes(batch) & 7, static_cast<int>(GetParam().compression));
  EXPECT_EQ(attributes(batch) & ~7, 0) << "CreateTime, not transactional, not control";
  EXPECT_EQ(u32(batch, 8), batch.size() - 12) << "batch length";
  EXPECT_EQ(batch[16], 2) << "magic";
  EXPECT_EQ(u32(batch, 17), crc32c(std::string_view(batch).substr(21))) << "CRC-32C";
  EXPECT_EQ(u32(batch, 57), records.size()) << "record count, uncompressed";
  // Offsets, timestamps and producer fields are those of the uncompressed batch.
  EXPECT_EQ(batch.substr(23, kRecordsAt - 23), plain.substr(23, kRecordsAt - 23));

  auto section = std::string_view(batch).substr(kRecordsAt);
  EXPECT_LT(section.size(), plain.size() - kRecordsAt) << "repetitive records shrink";
  EXPECT_EQ(GetParam().decompress(section), plain.substr(kRecordsAt));
}

INSTANTIATE_TEST_SUITE_P(KafkaCodecs, KafkaCompression,
                         ::testing::Values(Codec{"gzip", Compression::kGzip, gunzip},
                                           Codec{"snappy", Compression::kSnappy, unsnappy},
                                           Codec{"lz4", Compression::kLz4, unlz4},
                                           Codec{"zstd", Compression::kZstd, unzstd}),
                         [](const ::testing::TestParamInfo<Codec>& codec) {
                           return std::string(codec.param.name);
                         });

// The exact forms, beyond "the library reads it back": what Kafka's readers require.
TEST(KafkaCompressionFormat, EachCodecWritesTheFormKafkaReads) {
  auto records = compressible();
  auto section = [&](Compression c) {
    return encodeRecordBatch(pointers(records), 1000, c).substr(kRecordsAt);
  };
  auto gzip = section(Compression::kGzip);
  EXPECT_EQ(gzip.substr(0, 3), "\x1f\x8b\x08") << "a gzip member of deflate data";
  // librdkafka sends raw snappy for magic 2, not snappy-java's framing.
  EXPECT_NE(section(Compression::kSnappy).substr(0, 8), std::string("\x82SNAPPY\0", 8));
  auto lz4 = section(Compression::kLz4);
  EXPECT_EQ(u32(lz4, 0), 0x04224D18u) << "the LZ4 frame magic, little-endian";
  auto flags = static_cast<uint8_t>(lz4[4]);
  EXPECT_EQ(flags >> 6, 1) << "frame version 01";
  EXPECT_TRUE(flags & 0x20) << "independent blocks: Kafka's Java reader refuses linked ones";
  EXPECT_EQ(u32(section(Compression::kZstd), 0), 0x28B52FFDu) << "the zstd frame magic";
}

TEST(KafkaCompressionFormat, ABatchThatWouldNotShrinkGoesUncompressed) {
  std::mt19937 random(7);
  std::string noise(2000, '\0');
  for (auto& c : noise) c = static_cast<char>(random());
  Record record{std::nullopt, noise, -1};
  auto plain = encodeRecordBatch({&record}, 1000);
  for (auto codec :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    EXPECT_EQ(encodeRecordBatch({&record}, 1000, codec), plain) << static_cast<int>(codec);
  }
}

TEST(KafkaCompressionFormat, ProduceRequestIsV7AndCarriesTheCompressedBatch) {
  auto records = compressible();
  std::vector<TopicBatches> topics{{"t", {PartitionBatch{0, pointers(records)}}}};
  auto request = encodeProduceRequest(1, "id", 1, 5000, topics, 1000, Compression::kZstd);
  EXPECT_EQ(request.substr(4, 4), std::string("\0\0\0\7", 4)) << "Produce (0) v7";
  auto batch = encodeRecordBatch(pointers(records), 1000, Compression::kZstd);
  EXPECT_EQ(request.substr(request.size() - batch.size()), batch);
}

TEST(KafkaCompressionOption, UriChoosesTheCodecAndNamesABadOne) {
  auto parse = [](const std::string& query) {
    return client::parseClientUri("tcp://h:1?" + query, ClientConfig{}, ProducerOptions{})
        .options.compression;
  };
  EXPECT_EQ(ProducerOptions{}.compression, Compression::kNone);
  EXPECT_EQ(parse("compression=none"), Compression::kNone);
  EXPECT_EQ(parse("compression=gzip"), Compression::kGzip);
  EXPECT_EQ(parse("compression=snappy"), Compression::kSnappy);
  EXPECT_EQ(parse("compression=lz4"), Compression::kLz4);
  EXPECT_EQ(parse("compression=zstd"), Compression::kZstd);
  try {
    parse("compression=bogus");
    ADD_FAILURE() << "compression=bogus accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("compression='bogus'"), std::string::npos) << e.what();
  }
  ProducerOptions out_of_range;
  out_of_range.compression = static_cast<Compression>(5);
  EXPECT_THROW(out_of_range.validate(), ConfigError);
}

}  // namespace
}  // namespace scales::kafka

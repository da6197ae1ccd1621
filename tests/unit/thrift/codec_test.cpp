// SPDX-License-Identifier: Apache-2.0
// Message encoding against bytes computed by hand from the Thrift binary protocol spec, and the
// decoders' handling of malformed input.
#include "scales/thrift/codec.h"

#include <gtest/gtest.h>

#include <optional>

#include "scales/thrift/wire.h"
#include "unit/thrift/one_string.h"

namespace scales::thrift {
namespace {
namespace tp = apache::thrift::protocol;

struct Containers {
  std::vector<bool> flags;
  std::map<int32_t, std::set<std::string>> index;
  template <class P>
  void write(P* p) const {
    p->writeStructBegin("Containers");
    wire::writeField<wire::List<wire::Bool>>(*p, "flags", 1, flags);
    wire::writeField<wire::Map<wire::I32, wire::Set<wire::String>>>(*p, "index", 2, index);
    p->writeFieldStop();
    p->writeStructEnd();
  }
  template <class P>
  void read(P* p) {
    wire::readStruct(*p, [&](int16_t id, wire::TType type) {
      if (id == 1) return wire::readFieldValue<wire::List<wire::Bool>>(*p, type, flags);
      if (id == 2) {
        return wire::readFieldValue<wire::Map<wire::I32, wire::Set<wire::String>>>(*p, type, index);
      }
      return false;
    });
  }
};

// A result struct whose success field (id 0) is a bool: in the compact protocol the value rides
// in the field header.
struct BoolResult {
  bool success = false;
  template <class P>
  void write(P* p) const {
    p->writeStructBegin("BoolResult");
    wire::writeField<wire::Bool>(*p, "success", 0, success);
    p->writeFieldStop();
    p->writeStructEnd();
  }
};

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ThriftCodec, BinaryCallIsByteExact) {
  auto encoded = encodeMessage(Protocol::kBinary, "hi", tp::T_CALL, 7, OneString{"ab"});
  // version|CALL, name~4, seqid, field(type STRING=11, id 1), "ab"~4, stop
  auto expected = bytes({0x80, 0x01, 0x00, 0x01, 0, 0, 0, 2, 'h', 'i', 0,   0,
                         0,    7,    11,   0,    1, 0, 0, 0, 2,   'a', 'b', 0});
  EXPECT_EQ(encoded, expected);
}

TEST(ThriftCodec, CompactCallIsByteExact) {
  auto encoded = encodeMessage(Protocol::kCompact, "hi", tp::T_CALL, 7, OneString{"ab"});
  // protocol id 0x82, version 1 | type CALL<<5, varint seqid, varint name length, name,
  // field header (delta 1, compact BINARY=8), varint length, bytes, stop
  auto expected = bytes({0x82, 0x21, 7, 2, 'h', 'i', 0x18, 2, 'a', 'b', 0});
  EXPECT_EQ(encoded, expected);
}

TEST(ThriftCodec, RoundTripsContainersInBothProtocols) {
  Containers in{{true, false, true}, {{1, {"a", "b"}}, {-5, {}}}};
  for (auto protocol : {Protocol::kBinary, Protocol::kCompact}) {
    auto encoded = encodeMessage(protocol, "m", tp::T_REPLY, 1, in);
    Containers out;
    auto header = decodeMessage(protocol, encoded, out);
    EXPECT_EQ(header.name, "m");
    EXPECT_EQ(header.type, tp::T_REPLY);
    EXPECT_EQ(out.flags, in.flags);
    EXPECT_EQ(out.index, in.index);
  }
}

TEST(ThriftCodec, ReusedBuffersDecodeFarMoreThanTheMaxMessageSizeInTotal) {
  // Thrift's default max message size is 100 MB; 120 messages of 1 MiB pass it in total.
  OneString big{std::string(1 << 20, 'x')};
  auto encoded = encodeMessage(Protocol::kBinary, "m", tp::T_REPLY, 1, big);
  for (int i = 0; i < 120; ++i) {
    OneString out;
    decodeMessage(Protocol::kBinary, encoded, out);
    ASSERT_EQ(out.text.size(), big.text.size()) << i;
  }
}

TEST(ThriftCodec, PeekDetectsProtocolAndHeader) {
  auto compact = encodeMessage(Protocol::kCompact, "call", tp::T_ONEWAY, 3, OneString{});
  auto header = peekMessage(compact);
  EXPECT_EQ(header.protocol, Protocol::kCompact);
  EXPECT_EQ(header.name, "call");
  EXPECT_EQ(header.type, tp::T_ONEWAY);
  EXPECT_EQ(header.seqid, 3);
  EXPECT_EQ(peekMessage(encodeMessage(Protocol::kBinary, "b", tp::T_CALL, 0, OneString{})).protocol,
            Protocol::kBinary);
}

TEST(ThriftCodec, ExceptionReplyBecomesApplicationError) {
  MessageHeader call{"f", tp::T_CALL, 9, Protocol::kBinary};
  auto reply = encodeApplicationException(call, ApplicationError::Type::kInternalError, "boom");
  OneString ignored;
  try {
    decodeMessage(Protocol::kBinary, reply, ignored);
    FAIL() << "no error";
  } catch (const ApplicationError& e) {
    EXPECT_EQ(e.type(), ApplicationError::Type::kInternalError);
    EXPECT_STREQ(e.what(), "boom");
  }
}

TEST(ThriftCodec, MalformedInputIsProtocolError) {
  OneString out;
  auto good = encodeMessage(Protocol::kBinary, "hi", tp::T_REPLY, 7, OneString{"abc"});
  // Every truncation of a valid message fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_THROW(decodeMessage(Protocol::kBinary, good.substr(0, n), out), ProtocolError) << n;
  }
  // A string claiming 2 GiB in a 20-byte message is refused before any allocation.
  auto huge = bytes(
      {0x80, 0x01, 0x00, 0x02, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 7, 11, 0, 1, 0x7f, 0xff, 0xff, 0xff});
  EXPECT_THROW(decodeMessage(Protocol::kBinary, huge, out), ProtocolError);
  EXPECT_THROW(peekMessage("\x01\x02"), ProtocolError);
}

TEST(ThriftCodec, ContainerWithWrongElementTypeIsProtocolError) {
  Containers out;
  // list<i32> where list<bool> is expected
  auto wrong = bytes({0x80, 0x01, 0x00, 0x02, 0, 0, 0, 1, 'm', 0, 0, 0, 0,
                      15,   0,    1,    8,    0, 0, 0, 1, 0,   0, 0, 1, 0});
  EXPECT_THROW(decodeMessage(Protocol::kBinary, wrong, out), ProtocolError);
}

// Each thread reuses one reader per protocol; a decode that fails part-way (or a header peeked at)
// must not leave it in a state that corrupts the next message.
TEST(ThriftCodec, ReadersStaySoundAfterFailuresAndPeeks) {
  Containers in{{false, true, false}, {{7, {"x"}}}};
  for (auto protocol : {Protocol::kBinary, Protocol::kCompact}) {
    auto good = encodeMessage(protocol, "m", tp::T_REPLY, 1, in);
    for (size_t n = 0; n < good.size(); ++n) {
      Containers partial;
      EXPECT_THROW(decodeMessage(protocol, good.substr(0, n), partial), ProtocolError) << n;
      Containers out;
      decodeMessage(protocol, good, out);
      ASSERT_EQ(out.flags, in.flags) << n;
      ASSERT_EQ(out.index, in.index) << n;
    }
    // The compact reader keeps a bool field's value from its header until it is read.
    auto reply = encodeMessage(protocol, "m", tp::T_REPLY, 1, BoolResult{true});
    EXPECT_EQ(replyFieldId(reply), std::optional<int16_t>(0));
    Containers out;
    decodeMessage(protocol, good, out);
    EXPECT_EQ(out.flags, in.flags);
  }
}

TEST(ThriftCodec, CompactStringsAreBoundedByTheMessage) {
  // Compact call "m", field 1 BINARY claiming 2^28 bytes (varint 80 80 80 80 01).
  auto huge = bytes({0x82, 0x21, 1, 1, 'm', 0x18, 0x80, 0x80, 0x80, 0x80, 0x01});
  OneString out;
  try {
    decodeMessage(Protocol::kCompact, huge, out);
    FAIL() << "no error";
  } catch (const ProtocolError& e) {
    // Refused by the size limit, before any allocation or read.
    EXPECT_NE(std::string(e.what()).find("size limit"), std::string::npos) << e.what();
  }
  // The limit is per message: a large message right after is read whole.
  OneString big{std::string(1 << 20, 'y')};
  decodeMessage(Protocol::kCompact, encodeMessage(Protocol::kCompact, "m", tp::T_REPLY, 1, big),
                out);
  EXPECT_EQ(out.text, big.text);
}

}  // namespace
}  // namespace scales::thrift

// SPDX-License-Identifier: Apache-2.0
// Reading and rewriting a Thrift message's seqid on its bytes: every protocol's header, seqids of
// every varint length, the rest of the message untouched, and malformed headers refused.
#include "scales/thrift/seqid.h"

#include <gtest/gtest.h>

#include <limits>

#include "scales/thrift/codec.h"
#include "unit/thrift/one_string.h"

namespace scales::thrift {
namespace {
namespace tp = apache::thrift::protocol;

// The frame's payload: what follows its 4-byte length prefix, which must match.
std::string payloadOf(const std::string& frame) {
  EXPECT_GE(frame.size(), 4u);
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(frame[i]);
  EXPECT_EQ(n, frame.size() - 4);
  return frame.substr(4);
}

class SeqidTest : public ::testing::TestWithParam<Protocol> {};

TEST_P(SeqidTest, StampedMessagesDecodeWithTheNewSeqidAndTheSameBody) {
  OneString body{"payload"};
  auto message = encodeMessage(GetParam(), "method", tp::T_CALL, 0, body);
  for (int32_t id : {0, 1, 127, 128, 16384, 1 << 28, std::numeric_limits<int32_t>::max(), -1,
                     std::numeric_limits<int32_t>::min()}) {
    std::string frame;
    appendFramedWithSeqid(frame, message, id);
    auto stamped = payloadOf(frame);
    EXPECT_EQ(seqidOf(stamped), id);
    OneString decoded;
    auto header = decodeMessage(GetParam(), stamped, decoded);
    EXPECT_EQ(header.seqid, id);
    EXPECT_EQ(header.name, "method");
    EXPECT_EQ(decoded.text, "payload");
  }
}

TEST_P(SeqidTest, ReadsTheSeqidThriftWrote) {
  auto message = encodeMessage(GetParam(), "m", tp::T_REPLY, 123456, OneString{"x"});
  EXPECT_EQ(seqidOf(message), 123456);
}

INSTANTIATE_TEST_SUITE_P(BothProtocols, SeqidTest,
                         ::testing::Values(Protocol::kBinary, Protocol::kCompact));

TEST(Seqid, NonStrictBinaryHeader) {
  // name~4 "ab" type:1 seqid:4
  std::string message(
      "\x00\x00\x00\x02"
      "ab\x01\x00\x00\x00\x07rest",
      15);
  EXPECT_EQ(seqidOf(message), 7);
  std::string frame;
  appendFramedWithSeqid(frame, message, 9);
  auto stamped = payloadOf(frame);
  EXPECT_EQ(seqidOf(stamped), 9);
  EXPECT_EQ(stamped.substr(11), "rest");
}

TEST(Seqid, MalformedHeadersAreProtocolErrors) {
  std::string out;
  EXPECT_THROW(seqidOf(""), ProtocolError);
  EXPECT_THROW(seqidOf(std::string("\x80\x01\x00\x01\x00\x00", 6)), ProtocolError);
  // A name longer than the message.
  EXPECT_THROW(seqidOf(std::string("\x80\x01\x00\x01\x7f\xff\xff\xff", 8)), ProtocolError);
  // A compact varint that never ends.
  EXPECT_THROW(seqidOf(std::string("\x82\x21\xff\xff\xff\xff\xff\xff", 8)), ProtocolError);
  EXPECT_THROW(appendFramedWithSeqid(out, std::string("\x82\x21", 2), 1), ProtocolError);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace scales::thrift

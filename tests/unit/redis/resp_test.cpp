// SPDX-License-Identifier: Apache-2.0
// RESP: commands byte for byte, every reply type (RESP2 and RESP3), incomplete input framed as
// "not yet", and malformed input as ProtocolError.
#include "scales/redis/resp.h"

#include <gtest/gtest.h>

namespace scales::redis {
namespace {
using Type = Reply::Type;

// frameReply with the size it says is still needed dropped.
std::optional<transport::FrameBounds> frame(std::string_view buffered, size_t max_frame) {
  size_t needed = 0;
  return frameReply(buffered, max_frame, needed);
}

TEST(Resp, EncodesCommandsAsBulkStringArrays) {
  EXPECT_EQ(encodeCommand({"SET", "k", std::string_view("a\0b", 3)}),
            std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n", 29));
  EXPECT_EQ(encodeCommand({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(encodeCommand({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(Resp, ParsesResp2Replies) {
  EXPECT_EQ(parseReply("+OK\r\n").string, "OK");
  EXPECT_EQ(parseReply("+OK\r\n").type, Type::kSimpleString);
  auto error = parseReply("-WRONGTYPE bad\r\n");
  EXPECT_TRUE(error.isError());
  EXPECT_EQ(ServerError(error.string).kind(), "WRONGTYPE");
  EXPECT_EQ(parseReply(":-42\r\n").integer, -42);
  EXPECT_EQ(parseReply("$5\r\nhe\r\nl\r\n").string, "he\r\nl");
  EXPECT_TRUE(parseReply("$-1\r\n").isNil());
  EXPECT_TRUE(parseReply("*-1\r\n").isNil());
  auto array = parseReply("*3\r\n:1\r\n$-1\r\n*1\r\n+x\r\n");
  ASSERT_EQ(array.type, Type::kArray);
  ASSERT_EQ(array.elements.size(), 3u);
  EXPECT_TRUE(array.elements[1].isNil());
  EXPECT_EQ(array.elements[2].elements[0].string, "x");
}

TEST(Resp, ParsesResp3Replies) {
  auto map = parseReply("%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n");
  ASSERT_EQ(map.type, Type::kMap);
  ASSERT_EQ(map.elements.size(), 4u);
  EXPECT_EQ(map.elements[3].type, Type::kBoolean);
  EXPECT_EQ(map.elements[3].integer, 1);
  EXPECT_DOUBLE_EQ(parseReply(",3.25\r\n").number, 3.25);
  EXPECT_TRUE(parseReply("_\r\n").isNil());
  EXPECT_EQ(parseReply("(12345678901234567890\r\n").string, "12345678901234567890");
  EXPECT_EQ(parseReply("=8\r\ntxt:text\r\n").string, "text");
  EXPECT_TRUE(parseReply("!3\r\nERR\r\n").isError());
  EXPECT_EQ(parseReply("~2\r\n+a\r\n+b\r\n").elements.size(), 2u);
  // Attributes are skipped; the reply after them is the reply.
  EXPECT_EQ(parseReply("|1\r\n+ttl\r\n:3\r\n+value\r\n").string, "value");
}

TEST(Resp, FramesWholeRepliesOnly) {
  std::string two = "$3\r\nabc\r\n*2\r\n:1\r\n:2\r\n";
  auto first = frame(two, 1 << 20);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->consumed, 9u);
  for (size_t cut = 0; cut < 9; ++cut) {
    EXPECT_FALSE(frame(std::string_view(two).substr(0, cut), 1 << 20)) << cut;
  }
  for (size_t cut = 9; cut < two.size(); ++cut) {
    EXPECT_FALSE(frame(std::string_view(two).substr(9, cut - 9), 1 << 20)) << cut;
  }
  // A huge declared count is not allocated for: it cannot fit in max_frame_bytes.
  EXPECT_THROW(frame("*2000000000\r\n:1\r\n", 1 << 20), ProtocolError);
}

// An incomplete reply says how large the buffer must grow before it can be whole: at least one
// byte more, the rest of a bulk string, and 3 bytes for each element still to come, nested too.
// What cannot fit in max_frame_bytes by that count is refused at once, and so is a line that
// runs past 64 KiB without its CRLF.
TEST(Resp, AnIncompleteReplySaysHowMuchItStillNeeds) {
  auto needed = [](std::string_view buffered) {
    size_t n = 0;
    EXPECT_FALSE(frameReply(buffered, 1 << 20, n)) << buffered;
    return n;
  };
  EXPECT_EQ(needed("+O"), 3u);
  EXPECT_EQ(needed("$10\r\nab"), 5u + 12u);
  EXPECT_EQ(needed("*3\r\n"), 4u + 9u);
  EXPECT_EQ(needed("*3\r\n:1\r\n"), 4u + 9u);  // the count's check comes first: 3 x 3 bytes
  EXPECT_EQ(needed("*2\r\n*2\r\n$4\r\nab"), 12u + 6u + 3u + 3u);
  EXPECT_EQ(needed("|1\r\n+ttl\r\n"), 10u + 3u + 3u);  // the attribute's value, the reply
  // Every prefix of a whole reply needs no more than the whole.
  std::string whole = "*3\r\n$3\r\nabc\r\n%1\r\n+k\r\n:7\r\n_\r\n";
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    size_t n = needed(std::string_view(whole).substr(0, cut));
    EXPECT_GT(n, cut);
    EXPECT_LE(n, whole.size()) << cut;
  }
  size_t n = 0;
  EXPECT_THROW(frameReply("$2000000\r\nab", 1 << 20, n), ProtocolError);
  EXPECT_THROW(frameReply("*1000000\r\n", 1 << 20, n), ProtocolError);
  EXPECT_THROW(frameReply("+" + std::string(70000, 'x'), 1 << 20, n), ProtocolError);
  EXPECT_FALSE(frameReply("+" + std::string(60000, 'x'), 1 << 20, n));
}

TEST(Resp, RefusesMalformedReplies) {
  for (std::string bad : {"?x\r\n", ":12a\r\n", ":\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "#x\r\n",
                          ",nope\r\n", "_x\r\n", "*-5\r\n", "+OK\n", "=3\r\nabc\r\n"}) {
    EXPECT_THROW(frame(bad, 1 << 20), ProtocolError) << bad;
  }
  std::string deep;
  for (int i = 0; i <= kMaxReplyDepth + 1; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_THROW(frame(deep, 1 << 20), ProtocolError);
  EXPECT_THROW(frame("$10\r\n0123456789\r\n", 8), ProtocolError);
  EXPECT_THROW(parseReply("+OK\r\n+OK\r\n"), ProtocolError);
}

}  // namespace
}  // namespace scales::redis

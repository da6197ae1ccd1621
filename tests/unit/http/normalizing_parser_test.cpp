// SPDX-License-Identifier: Apache-2.0
// The HTTP connection's response parser against a hostile server's claims: what it holds follows
// the bytes that arrived, never a Content-Length or chunk size a server announces.
#include "http/normalizing_parser.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <string>
#include <string_view>

namespace scales::http {
namespace {

// Feeds `bytes` to the parser as one read would; returns what it took.
size_t feed(NormalizingParser& parser, std::string_view bytes) {
  boost::system::error_code ec;
  size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  EXPECT_TRUE(!ec || ec == boost::beast::http::error::need_more) << ec.message();
  return used;
}

// A parser that allows 64 MiB bodies, given `head` and then ten bytes of body in one read: what
// it holds afterwards (the response is not done).
std::string heldAfterTenBodyBytes(const std::string& head) {
  NormalizingParser parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.eager(true);
  EXPECT_EQ(feed(parser, head + "ten bytes."), head.size() + 10);
  EXPECT_FALSE(parser.is_done());
  return parser.take();
}

TEST(NormalizingParser, AClaimedBodyCostsOnlyTheBytesThatArrived) {
  std::string held = heldAfterTenBodyBytes("HTTP/1.1 200 OK\r\nContent-Length: 60000000\r\n\r\n");
  EXPECT_EQ(held, "200 OK\r\nContent-Length: 60000000\r\n\r\nten bytes.");
  EXPECT_LT(held.capacity(), 4096u);
}

TEST(NormalizingParser, AClaimedChunkCostsOnlyTheBytesThatArrived) {
  std::string held =
      heldAfterTenBodyBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3000000\r\n");
  EXPECT_EQ(held, "200 OK\r\nTransfer-Encoding: chunked\r\n\r\nten bytes.");
  EXPECT_LT(held.capacity(), 4096u);
}

}  // namespace
}  // namespace scales::http

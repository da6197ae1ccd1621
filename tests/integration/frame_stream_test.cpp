// SPDX-License-Identifier: Apache-2.0
// FrameStream over a real loopback connection: what the frames of one read produce is held back
// (up to a few KiB) and leaves together, and nothing is lost or reordered whichever way the
// writes are cut.
#include "scales/transport/frame_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <vector>

namespace scales::transport {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

struct Pair {
  Pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    ours = std::make_unique<tcp::socket>(acceptor.accept());
  }
  asio::io_context io;
  tcp::socket peer{io};
  std::unique_ptr<tcp::socket> ours;
};

std::string frames(int count, size_t size) {
  std::string out;
  for (int i = 0; i < count; ++i) appendLengthPrefixed(out, std::string(size, char('a' + i % 26)));
  return out;
}

TEST(FrameStream, RepliesToOneReadAreHeldBackAndAllArrive) {
  Pair pair;
  auto owner = std::make_shared<int>(0);
  FrameStream stream(std::move(*pair.ours), 1 << 20);
  // Each 100-byte frame is answered at once; while the frames of one read are handled (3 KiB of
  // answers, under the hold) nothing may reach the peer yet.
  std::vector<size_t> reached_peer;
  stream.start(
      owner,
      [&](std::string_view payload) {
        reached_peer.push_back(pair.peer.available());
        appendLengthPrefixed(stream.outbox(), payload);
        stream.flush();
      },
      [](std::exception_ptr) {});
  const int kFrames = 30;
  auto sent = frames(kFrames, 100);
  asio::write(pair.peer, asio::buffer(sent));
  std::string echoed(sent.size(), '\0');
  asio::async_read(pair.peer, asio::buffer(echoed), [&](boost::system::error_code ec, size_t) {
    ASSERT_FALSE(ec);
    stream.close();
  });
  pair.io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(reached_peer.size(), size_t{kFrames});
  EXPECT_EQ(echoed, sent);
  // One 3 KiB write on loopback is one segment, read at once: none of its answers reached the
  // peer before the last frame was handled.
  for (size_t i = 0; i < reached_peer.size(); ++i) EXPECT_EQ(reached_peer[i], 0u) << i;
}

TEST(FrameStream, ALargeBatchIsAnsweredWholeAndInOrder) {
  Pair pair;
  auto owner = std::make_shared<int>(0);
  FrameStream stream(std::move(*pair.ours), 1 << 20);
  stream.start(
      owner,
      [&](std::string_view payload) {
        appendLengthPrefixed(stream.outbox(), payload);
        stream.flush();
      },
      [](std::exception_ptr) {});
  auto sent = frames(2000, 100);  // ~208 KB: many reads, each past the hold
  asio::write(pair.peer, asio::buffer(sent));
  std::string echoed(sent.size(), '\0');
  asio::async_read(pair.peer, asio::buffer(echoed), [&](boost::system::error_code ec, size_t) {
    ASSERT_FALSE(ec);
    stream.close();
  });
  pair.io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(echoed, sent);
}

}  // namespace
}  // namespace scales::transport

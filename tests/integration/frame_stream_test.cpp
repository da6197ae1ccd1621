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
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace scales::transport {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

// A FrameStream on one end of a loopback connection that answers every frame with itself (after
// `observe`, if set), and the raw socket at the other end.
struct EchoStream {
  EchoStream() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    stream.emplace(acceptor.accept(), 1 << 20);
    stream->start(
        owner,
        [this](std::string_view payload) {
          if (observe) observe();
          appendLengthPrefixed(stream->outbox(), payload);
          stream->flush();
        },
        [](std::exception_ptr) {});
  }

  // Sends `frames` from the peer in one write; returns as many bytes as came back (within `limit`).
  std::string roundTrip(const std::string& frames, std::chrono::seconds limit) {
    asio::write(peer, asio::buffer(frames));
    std::string echoed(frames.size(), '\0');
    asio::async_read(peer, asio::buffer(echoed), [this](boost::system::error_code ec, size_t) {
      EXPECT_FALSE(ec);
      stream->close();
    });
    io.run_for(limit);
    return echoed;
  }

  asio::io_context io;
  tcp::socket peer{io};
  std::shared_ptr<int> owner = std::make_shared<int>(0);
  std::optional<FrameStream> stream;
  std::function<void()> observe;
};

std::string frames(int count, size_t size) {
  std::string out;
  for (int i = 0; i < count; ++i) appendLengthPrefixed(out, std::string(size, char('a' + i % 26)));
  return out;
}

TEST(FrameStream, RepliesToOneReadAreHeldBackAndAllArrive) {
  EchoStream echo;
  // Each 100-byte frame is answered at once; while the frames of one read are handled (3 KiB of
  // answers, under the hold) nothing may reach the peer yet.
  std::vector<size_t> reached_peer;
  echo.observe = [&] { reached_peer.push_back(echo.peer.available()); };
  const int kFrames = 30;
  auto sent = frames(kFrames, 100);
  EXPECT_EQ(echo.roundTrip(sent, std::chrono::seconds(5)), sent);
  ASSERT_EQ(reached_peer.size(), size_t{kFrames});
  // One 3 KiB write on loopback is one segment, read at once: none of its answers reached the
  // peer before the last frame was handled.
  for (size_t i = 0; i < reached_peer.size(); ++i) EXPECT_EQ(reached_peer[i], 0u) << i;
}

TEST(FrameStream, ALargeBatchIsAnsweredWholeAndInOrder) {
  EchoStream echo;
  auto sent = frames(2000, 100);  // ~208 KB: many reads, each past the hold
  EXPECT_EQ(echo.roundTrip(sent, std::chrono::seconds(10)), sent);
}

}  // namespace
}  // namespace scales::transport

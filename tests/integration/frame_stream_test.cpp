// SPDX-License-Identifier: Apache-2.0
// FrameStream over a real loopback connection: what the frames of one read produce is held back
// (up to a few KiB, or what the owner sets) and leaves together, nothing is lost or reordered
// whichever way the writes are cut, the read buffer follows the bytes received rather than what a
// header claims, buffers grown for a burst are given back, and reading pauses while output is
// unsent.
#include "scales/transport/frame_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
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
  // `configure` runs before the stream starts (limits). A nonzero `kernel_buffer` sizes the
  // peer's receive buffer and the stream's send buffer before the connection is made: set
  // afterwards, the window already negotiated outgrows the buffer, the kernel drops segments,
  // and their retransmissions back off for seconds (seen here as a 20 s stall, 1 run in 60).
  explicit EchoStream(size_t max_frame = 1 << 20,
                      const std::function<void(FrameStream&)>& configure = {},
                      int kernel_buffer = 0) {
    tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 0);
    tcp::acceptor acceptor(io);
    acceptor.open(loopback.protocol());
    peer.open(loopback.protocol());
    if (kernel_buffer > 0) {
      // An accepted socket inherits the listener's buffer sizes.
      acceptor.set_option(asio::socket_base::send_buffer_size(kernel_buffer));
      peer.set_option(asio::socket_base::receive_buffer_size(kernel_buffer));
    }
    acceptor.bind(loopback);
    acceptor.listen();
    peer.connect(acceptor.local_endpoint());
    stream.emplace(acceptor.accept(), max_frame);
    if (configure) configure(*stream);
    stream->start(
        owner,
        [this](std::string_view payload) {
          ++handled;
          if (observe) observe();
          appendLengthPrefixed(stream->outbox(), payload);
          stream->flush();
        },
        [](std::exception_ptr) {});
  }

  // Runs the loop until `done` holds or `limit` passes; true if it held.
  bool runUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io.run_one_for(std::chrono::milliseconds(50));
    }
    return done();
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
  size_t handled = 0;
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

TEST(FrameStream, ASmallerHoldStartsWritingTheFirstPartWhileTheRestIsHandled) {
  EchoStream echo(1 << 20, [](FrameStream& stream) { stream.setHeldBytes(1024); });
  // What waits in the outbox as each frame's handling begins: the answers held so far. Once they
  // pass the hold, the write begins and takes them (the kernel's delivery to the peer is not
  // what is measured: on a loaded machine it may lag the write).
  std::vector<size_t> held;
  echo.observe = [&] { held.push_back(echo.stream->outbox().size()); };
  const int kFrames = 30;
  auto sent = frames(kFrames, 100);  // 104 bytes each, answers included
  EXPECT_EQ(echo.roundTrip(sent, std::chrono::seconds(5)), sent);
  ASSERT_EQ(held.size(), size_t{kFrames});
  // The first ten answers (1,040 bytes) pass the hold and leave while the eleventh frame is
  // handled; the rest wait for that write to end (one write at a time), then leave together.
  for (size_t i = 0; i < held.size(); ++i) {
    EXPECT_EQ(held[i], (i < 10 ? i : i - 10) * 104) << i;
  }
}

TEST(FrameStream, ALargeBatchIsAnsweredWholeAndInOrder) {
  EchoStream echo;
  auto sent = frames(2000, 100);  // ~208 KB: many reads, each past the hold
  EXPECT_EQ(echo.roundTrip(sent, std::chrono::seconds(10)), sent);
}

TEST(FrameStream, AHeaderClaimingALargeFrameAllocatesOnlyWhatArrives) {
  EchoStream echo(16 << 20);
  EXPECT_EQ(echo.stream->readCapacity(), FrameStream::kInitialReadBytes);
  // A header announcing 16 MiB - 1 and ten bytes of it: the buffer stays as it was.
  std::string header = {'\x00', '\xff', '\xff', '\xff'};
  asio::write(echo.peer, asio::buffer(header + std::string(10, 'x')));
  ASSERT_TRUE(echo.runUntil([&] { return echo.stream->partialSince().has_value(); },
                            std::chrono::seconds(5)));
  EXPECT_EQ(echo.stream->readCapacity(), FrameStream::kInitialReadBytes);
  EXPECT_TRUE(echo.stream->open());
}

TEST(FrameStream, ABufferGrowsWithTheFrameAndIsGivenBackOnceItIsHandled) {
  EchoStream echo(16 << 20);
  std::string frame;
  appendLengthPrefixed(frame, std::string(3 << 20, 'y'));  // 3 MiB
  size_t largest = 0;
  echo.observe = [&] { largest = echo.stream->readCapacity(); };
  EXPECT_EQ(echo.roundTrip(frame, std::chrono::seconds(20)), frame);
  EXPECT_GE(largest, frame.size());
  EXPECT_LE(largest, 2 * frame.size());  // doubling as bytes came, never past twice the frame
  EXPECT_LE(echo.stream->readCapacity(), FrameStream::kFreeReadBytes);
}

TEST(FrameStream, AWriteBufferABurstGrewIsKeptWhileBatchesStayLargeAndGivenBackAfter) {
  EchoStream echo(16 << 20);
  std::string large, small;
  appendLengthPrefixed(large, std::string(1 << 20, 'z'));  // 1 MiB: one batch, one write
  appendLengthPrefixed(small, "ok");
  std::vector<size_t> kept;  // the write buffers' room after each echo came back
  for (const std::string* send : {&large, &large, &small, &small, &small}) {
    asio::async_write(echo.peer, asio::buffer(*send),
                      [](boost::system::error_code ec, size_t) { EXPECT_FALSE(ec); });
    std::string echoed(send->size(), '\0');
    bool back = false;
    asio::async_read(echo.peer, asio::buffer(echoed),
                     [&](boost::system::error_code ec, size_t) { back = !ec; });
    // Back whole, and the stream's write has completed (nothing of it still buffered).
    ASSERT_TRUE(echo.runUntil([&] { return back && echo.stream->bufferedBytes() == 0; },
                              std::chrono::seconds(20)));
    EXPECT_EQ(echoed, *send);
    kept.push_back(echo.stream->writeCapacity());
  }
  EXPECT_GE(kept[0], large.size());  // large batches: the buffer stays
  EXPECT_GE(kept[1], large.size());
  // Small batches: each buffer, once a small batch has gone out of it, is given back.
  EXPECT_LE(kept.back(), 2 * FrameStream::kKeptWriteBytes);
}

TEST(FrameStream, ReadingPausesWhileOutputIsUnsentAndResumesWhenItDrains) {
  size_t pauses = 0;
  // Small kernel buffers, so unsent output piles up in the stream soon.
  EchoStream echo(
      1 << 20, [&](FrameStream& stream) { stream.limitUnsent(64 * 1024, [&] { ++pauses; }); },
      16 * 1024);
  const int kFrames = 512;
  auto sent = frames(kFrames, 8 * 1024);  // 4 MiB, echoed to a peer that does not read yet
  // What waits unsent whenever a frame is read: without the limit it would climb to megabytes.
  size_t most_unsent = 0;
  echo.observe = [&] { most_unsent = std::max(most_unsent, echo.stream->bufferedBytes()); };
  bool written = false;
  asio::async_write(echo.peer, asio::buffer(sent),
                    [&](boost::system::error_code ec, size_t) { written = !ec; });
  ASSERT_TRUE(echo.runUntil([&] { return pauses > 0; }, std::chrono::seconds(10)));
  echo.io.run_for(std::chrono::milliseconds(200));
  EXPECT_LT(echo.handled, size_t{kFrames});  // the peer's bytes wait in the kernel
  // Reading resumes only below the limit, so the unsent output exceeds it by at most what one
  // read's echoes add (a read takes at most kFreeReadBytes).
  EXPECT_LE(most_unsent, 64 * 1024 + FrameStream::kFreeReadBytes);
  EXPECT_LE(echo.stream->bufferedBytes(), 64 * 1024 + 2 * FrameStream::kFreeReadBytes);
  // The peer reads: everything comes back, in order.
  std::string echoed(sent.size(), '\0');
  bool read_all = false;
  asio::async_read(echo.peer, asio::buffer(echoed),
                   [&](boost::system::error_code ec, size_t) { read_all = !ec; });
  ASSERT_TRUE(echo.runUntil([&] { return read_all && written; }, std::chrono::seconds(20)));
  EXPECT_EQ(echoed, sent);
  EXPECT_EQ(echo.handled, size_t{kFrames});
}

}  // namespace
}  // namespace scales::transport

// SPDX-License-Identifier: Apache-2.0
// The floor: length-prefixed frames over one connection, pipelined, single-threaded, no
// serialization. Reads drain every whole frame; replies and new requests leave in one write.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <iostream>
#include <thread>

#include "measure.h"

namespace scales::bench {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

uint32_t load32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void appendFrame(std::string& out, const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  char h[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
               static_cast<char>(n)};
  out.append(h, 4);
  out.append(payload);
}

// Calls `on_frame` for each whole frame in `in`, keeping any partial tail.
template <class F>
void drainFrames(std::string& in, F on_frame) {
  size_t pos = 0;
  while (in.size() - pos >= 4) {
    uint32_t n = load32(in.data() + pos);
    if (in.size() - pos - 4 < n) break;
    on_frame(std::string_view(in.data() + pos + 4, n));
    pos += 4 + n;
  }
  in.erase(0, pos);
}

void serve(tcp::socket socket) {
  std::string in, out;
  char buf[65536];
  boost::system::error_code ec;
  while (true) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec) return;
    in.append(buf, n);
    drainFrames(in, [&](std::string_view frame) { appendFrame(out, std::string(frame)); });
    if (!out.empty()) {
      asio::write(socket, asio::buffer(out), ec);
      if (ec) return;
      out.clear();
    }
  }
}

}  // namespace

int runRawServer() {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::cout << "PORT " << acceptor.local_endpoint().port() << std::endl;
  std::thread accepting([&] {
    while (true) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec) return;
      socket.set_option(tcp::no_delay(true));
      std::thread(serve, std::move(socket)).detach();
    }
  });
  waitForStopAndReportCpu();
  acceptor.close();
  accepting.detach();
  return 0;
}

LoadResult runRawClient(const LoadSpec& spec, LatencyLog& log) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), spec.port});
  socket.set_option(tcp::no_delay(true));
  const std::string payload = makePayload(spec.payload);
  std::vector<Clock::time_point> sent;  // FIFO of send times; replies come back in order
  size_t head = 0;
  std::string in, out;
  char buf[65536];
  Window window(spec);
  uint64_t measured = 0, all = 0;
  for (int i = 0; i < spec.concurrency; ++i) {
    appendFrame(out, payload);
    sent.push_back(Clock::now());
  }
  asio::write(socket, asio::buffer(out));
  out.clear();
  size_t outstanding = static_cast<size_t>(spec.concurrency);
  double cpu_start = -1, cpu_end = -1;
  while (outstanding > 0) {
    size_t n = socket.read_some(asio::buffer(buf));
    in.append(buf, n);
    auto now = Clock::now();
    if (cpu_start < 0 && now >= window.measureFrom()) cpu_start = processCpuMicros();
    drainFrames(in, [&](std::string_view) {
      ++all;
      --outstanding;
      if (window.measuring(now)) {
        ++measured;
        log.record(now - sent[head]);
      }
      ++head;
      if (window.issueAnother(now)) {
        appendFrame(out, payload);
        sent.push_back(now);
        ++outstanding;
      }
    });
    if (!window.open(now) && cpu_end < 0) cpu_end = processCpuMicros();
    if (!out.empty()) {
      asio::write(socket, asio::buffer(out));
      out.clear();
    }
  }
  return {measured, all, 0, cpu_end - cpu_start, spec.seconds};
}

}  // namespace scales::bench

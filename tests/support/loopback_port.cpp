// SPDX-License-Identifier: Apache-2.0
#include "support/loopback_port.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace scales::testing {

namespace {
// The first port the kernel hands out for outgoing connections (and for bind to port 0).
uint16_t ephemeralStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0, high = 0;
  if (range >> low >> high && low > 0 && low <= 65535) return static_cast<uint16_t>(low);
  return 32768;  // Linux's default
}
}  // namespace

uint16_t freeLoopbackPort() {
  namespace ip = boost::asio::ip;
  boost::asio::io_context io;
  auto loopback = ip::make_address("127.0.0.1");
  // Below the ephemeral range: a port a test closes and later listens on again cannot be taken
  // meanwhile as the source port of another connection (or of a connection to itself, which
  // Linux makes when a client dials a closed ephemeral port and happens to be given it).
  uint16_t top = ephemeralStart();
  std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 200 && top > 20000; ++attempt) {
    auto port = static_cast<uint16_t>(std::uniform_int_distribution<int>(15000, top - 1)(random));
    boost::system::error_code tcp_ec, udp_ec;
    ip::tcp::acceptor acceptor(io);
    acceptor.open(ip::tcp::v4(), tcp_ec);
    if (!tcp_ec) acceptor.bind(ip::tcp::endpoint(loopback, port), tcp_ec);
    // Free for TCP and for UDP (DNS servers take both).
    ip::udp::socket udp(io);
    udp.open(ip::udp::v4(), udp_ec);
    if (!udp_ec) udp.bind(ip::udp::endpoint(loopback, port), udp_ec);
    if (!tcp_ec && !udp_ec) return port;
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    ip::tcp::acceptor acceptor(io, ip::tcp::endpoint(loopback, 0));
    uint16_t port = acceptor.local_endpoint().port();
    boost::system::error_code ec;
    ip::udp::socket udp(io);
    udp.open(ip::udp::v4());
    udp.bind(ip::udp::endpoint(loopback, port), ec);
    if (!ec) return port;
  }
  throw std::runtime_error("no free loopback port");
}

void waitUntilListening(uint16_t port, std::chrono::milliseconds timeout, const std::string& what) {
  namespace ip = boost::asio::ip;
  boost::asio::io_context io;
  auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(ip::tcp::endpoint(ip::make_address("127.0.0.1"), port), ec);
    if (!ec) return;
    if (std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error(what + " did not start on 127.0.0.1:" + std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace scales::testing

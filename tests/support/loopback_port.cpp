// SPDX-License-Identifier: Apache-2.0
#include "support/loopback_port.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <stdexcept>
#include <thread>

namespace scales::testing {

uint16_t freeLoopbackPort() {
  namespace ip = boost::asio::ip;
  boost::asio::io_context io;
  auto loopback = ip::make_address("127.0.0.1");
  // Free for TCP and for UDP (DNS servers take both).
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

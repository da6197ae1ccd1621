// SPDX-License-Identifier: Apache-2.0
#include "support/loopback_port.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

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

}  // namespace scales::testing

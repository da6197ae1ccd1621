// SPDX-License-Identifier: Apache-2.0
#include "support/mux_peer.h"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace scales::testing {
namespace asio = boost::asio;
using asio::ip::tcp;

MuxPeer::MuxPeer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {}

std::string MuxPeer::uri(const std::string& query) const {
  return "tcp://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + query;
}

std::unique_ptr<MuxPeer::Connection> MuxPeer::accept() {
  tcp::socket socket(io_);
  acceptor_.accept(socket);
  auto conn = std::make_unique<Connection>(std::move(socket));
  conn->send(std::get<mux::Rerr>(conn->read()));  // echo "tinit check"
  auto init = std::get<mux::Tinit>(conn->read());
  conn->send(mux::Rinit{init.tag, 1, {}});
  return conn;
}

mux::Message MuxPeer::Connection::read() {
  unsigned char size_bytes[4];
  asio::read(socket_, asio::buffer(size_bytes));
  uint32_t size = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                  (uint32_t{size_bytes[2]} << 8) | size_bytes[3];
  std::string rest(size, '\0');
  asio::read(socket_, asio::buffer(rest));
  uint32_t tag = (uint32_t{static_cast<uint8_t>(rest[1])} << 16) |
                 (uint32_t{static_cast<uint8_t>(rest[2])} << 8) | static_cast<uint8_t>(rest[3]);
  return mux::decode(static_cast<int8_t>(rest[0]), tag & ~mux::kFragmentBit, rest.substr(4));
}

void MuxPeer::Connection::send(const mux::Message& message) {
  std::string out;
  mux::encode(message, out);
  sendRaw(out);
}

void MuxPeer::Connection::sendRaw(const std::string& bytes) {
  asio::write(socket_, asio::buffer(bytes));
}

}  // namespace scales::testing

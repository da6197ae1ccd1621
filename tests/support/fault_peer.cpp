// SPDX-License-Identifier: Apache-2.0
#include "fault_peer.h"

#include <array>
#include <boost/asio/write.hpp>

namespace scales::testing {
namespace asio = boost::asio;
using asio::ip::tcp;

FaultPeer::FaultPeer(Fault fault)
    : fault_(fault), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

FaultPeer::~FaultPeer() {
  io_.stop();
  thread_.join();
}

std::string FaultPeer::address() const {
  return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

void FaultPeer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    ++connections_;
    misbehave(std::make_shared<tcp::socket>(std::move(socket)));
    accept();
  });
}

void FaultPeer::misbehave(std::shared_ptr<tcp::socket> socket) {
  if (fault_ == Fault::kSilent) {
    held_.push_back(std::move(socket));  // open, and never a byte back
    return;
  }
  auto buffer = std::make_shared<std::array<char, 4096>>();
  socket->async_read_some(
      asio::buffer(*buffer), [this, socket, buffer](boost::system::error_code ec, size_t) {
        if (ec) return;
        if (fault_ == Fault::kReset) {
          // Linger 0: close() sends a RST instead of a FIN.
          socket->set_option(tcp::socket::linger(true, 0), ec);
          socket->close(ec);
          return;
        }
        // A frame size no peer accepts, then noise; keep the socket until the client hangs up.
        auto garbage = std::make_shared<std::string>(64, '\xab');
        asio::async_write(*socket, asio::buffer(*garbage),
                          [socket, garbage](boost::system::error_code, size_t) {});
        held_.push_back(socket);
      });
}

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// A Mux server scripted by the test, frame by frame, on 127.0.0.1: for wire behaviour that a
// well-behaved server never shows (NACKs, leases, server pings, unknown messages). Blocking I/O
// on the test's thread; the client under test runs on its own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "scales/mux/frame.h"

namespace scales::testing {

class MuxPeer {
 public:
  class Connection {
   public:
    explicit Connection(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
    mux::Message read();  // the next message; throws at EOF
    void send(const mux::Message& message);
    void sendRaw(const std::string& bytes);
    void close() { socket_.close(); }

   private:
    boost::asio::ip::tcp::socket socket_;
  };

  MuxPeer();
  std::string uri(const std::string& query = "") const;
  // Accepts the next connection and answers the handshake (echo, then Rinit).
  std::unique_ptr<Connection> accept();

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace scales::testing

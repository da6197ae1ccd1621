// SPDX-License-Identifier: Apache-2.0
// A misbehaving backend on 127.0.0.1 for fault-injection tests: it accepts connections and then
// never answers (silent), resets each connection once the client has written (reset), or answers
// with bytes that are no protocol at all (garbage).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace scales::testing {

class FaultPeer {
 public:
  enum class Fault { kSilent, kReset, kGarbage };

  explicit FaultPeer(Fault fault);
  ~FaultPeer();
  FaultPeer(const FaultPeer&) = delete;
  FaultPeer& operator=(const FaultPeer&) = delete;

  std::string address() const;
  int connections() const { return connections_; }

 private:
  void accept();
  void misbehave(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  Fault fault_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> held_;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace scales::testing

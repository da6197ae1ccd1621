// SPDX-License-Identifier: Apache-2.0
// A small Beast HTTP server on 127.0.0.1 for fault cases nginx will not produce: it parses each
// request with Beast and answers with whatever raw bytes the test's script returns (malformed
// status lines, truncated bodies, odd chunking), keeping the connection for the next request
// unless the script says to close it. Given a certificate, it speaks HTTPS, each answer written
// with one TLS write (records of 16 KiB; up to 17 KiB of them leave in one send), for cases
// where bytes must sit inside the TLS session.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "support/test_certs.h"

namespace scales::testing {

class HttpPeer {
 public:
  struct Answer {
    std::string bytes;   // written as they are
    bool close = false;  // then close the connection
  };
  using Script =
      std::function<Answer(const boost::beast::http::request<boost::beast::http::string_body>&)>;

  explicit HttpPeer(Script script);
  // HTTPS, presenting `tls`.
  HttpPeer(Script script, const CertFiles& tls);
  ~HttpPeer();
  HttpPeer(const HttpPeer&) = delete;
  HttpPeer& operator=(const HttpPeer&) = delete;

  std::string address() const;
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  Script script_;
  std::optional<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace scales::testing

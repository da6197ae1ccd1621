// SPDX-License-Identifier: Apache-2.0
#include "support/http_peer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

namespace scales::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {
asio::awaitable<void> serve(tcp::socket socket, const HttpPeer::Script& script,
                            std::atomic<int>& requests) {
  beast::flat_buffer buffer;
  try {
    for (;;) {
      beast::http::request<beast::http::string_body> request;
      co_await beast::http::async_read(socket, buffer, request, asio::use_awaitable);
      ++requests;
      auto answer = script(request);
      co_await asio::async_write(socket, asio::buffer(answer.bytes), asio::use_awaitable);
      if (answer.close) break;
    }
  } catch (const std::exception&) {
    // The client went away.
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept(tcp::acceptor& acceptor, const HttpPeer::Script& script,
                             std::atomic<int>& connections, std::atomic<int>& requests) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    ++connections;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), script, requests),
                   asio::detached);
  }
}
}  // namespace

HttpPeer::HttpPeer(Script script)
    : script_(std::move(script)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  asio::co_spawn(io_, accept(acceptor_, script_, connections_, requests_), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

HttpPeer::~HttpPeer() {
  io_.stop();
  thread_.join();
}

std::string HttpPeer::address() const {
  return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

}  // namespace scales::testing

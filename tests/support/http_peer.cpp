// SPDX-License-Identifier: Apache-2.0
#include "support/http_peer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

namespace scales::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {
template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const HttpPeer::Script& script,
                               std::atomic<int>& requests) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::http::request<beast::http::string_body> request;
    co_await beast::http::async_read(stream, buffer, request, asio::use_awaitable);
    ++requests;
    auto answer = script(request);
    co_await asio::async_write(stream, asio::buffer(answer.bytes), asio::use_awaitable);
    if (answer.close) break;
  }
}

asio::awaitable<void> serve(tcp::socket socket, asio::ssl::context* tls,
                            const HttpPeer::Script& script, std::atomic<int>& requests) {
  try {
    if (tls) {
      asio::ssl::stream<tcp::socket&> stream(socket, *tls);
      // Whole writes: a write's records (up to Asio's 17 KiB of them) leave in one send, so
      // they arrive together.
      SSL_clear_mode(stream.native_handle(), SSL_MODE_ENABLE_PARTIAL_WRITE);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      co_await exchange(stream, script, requests);
    } else {
      co_await exchange(socket, script, requests);
    }
  } catch (const std::exception&) {
    // The client went away.
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept(tcp::acceptor& acceptor, asio::ssl::context* tls,
                             const HttpPeer::Script& script, std::atomic<int>& connections,
                             std::atomic<int>& requests) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    ++connections;
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), tls, script, requests),
                   asio::detached);
  }
}
}  // namespace

HttpPeer::HttpPeer(Script script)
    : script_(std::move(script)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  asio::co_spawn(io_, accept(acceptor_, nullptr, script_, connections_, requests_), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

HttpPeer::HttpPeer(Script script, const CertFiles& tls)
    : script_(std::move(script)),
      tls_(std::in_place, asio::ssl::context::tls_server),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  tls_->use_certificate_chain_file(tls.cert);
  tls_->use_private_key_file(tls.key, asio::ssl::context::pem);
  asio::co_spawn(io_, accept(acceptor_, &*tls_, script_, connections_, requests_), asio::detached);
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

// SPDX-License-Identifier: Apache-2.0
#include "scales/metrics/admin_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "scales/core/errors.h"
#include "scales/core/runtime.h"

namespace scales::metrics {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

class AdminServer::Impl {
 public:
  Impl(Registry& registry, AdminOptions options)
      : registry_(registry),
        options_(std::move(options)),
        acceptor_(runtime_.context()),
        retry_accept_(runtime_.context()) {
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address(options_.host, ec), options_.port);
    if (!ec) acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw ConfigError("metrics admin server cannot listen on " + options_.host + ":" +
                        std::to_string(options_.port) + ": " + ec.message());
    }
    accept();
  }

  ~Impl() { runtime_.stop(); }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  // A scrape has this long to send its request and take the answer; a client that dawdles (or a
  // slowloris) does not hold a connection longer.
  static constexpr std::chrono::seconds kExchangeTimeout{10};

  struct Exchange {
    explicit Exchange(tcp::socket s) : stream(std::move(s)) {}
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors, say: trying again at once would spin.
        retry_accept_.expires_after(std::chrono::milliseconds(100));
        return retry_accept_.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
      }
      serve(std::make_shared<Exchange>(std::move(socket)));
      accept();
    });
  }

  void serve(std::shared_ptr<Exchange> exchange) {
    exchange->stream.expires_after(kExchangeTimeout);
    http::async_read(exchange->stream, exchange->buffer, exchange->request,
                     [this, exchange](boost::system::error_code ec, size_t) {
                       if (ec) return;
                       respond(*exchange);
                       http::async_write(exchange->stream, exchange->response,
                                         [exchange](boost::system::error_code, size_t) {
                                           boost::system::error_code ignored;
                                           exchange->stream.socket().shutdown(
                                               tcp::socket::shutdown_send, ignored);
                                         });
                     });
  }

  void respond(Exchange& exchange) {
    auto& response = exchange.response;
    response.version(exchange.request.version());
    response.keep_alive(false);
    std::string target(exchange.request.target());
    if (exchange.request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.body() = "GET only\n";
    } else if (target == "/metrics" || target == "/metrics.json") {
      auto snapshot = registry_.snapshot();
      if (options_.select) snapshot = aggregate(snapshot, options_.select);
      bool json = target == "/metrics.json";
      response.result(http::status::ok);
      response.set(http::field::content_type,
                   json ? "application/json" : "text/plain; version=0.0.4; charset=utf-8");
      response.body() = json ? jsonText(snapshot) : prometheusText(snapshot);
    } else {
      response.result(http::status::not_found);
      response.body() = "not found; try /metrics or /metrics.json\n";
    }
    response.prepare_payload();
  }

  Registry& registry_;
  AdminOptions options_;
  Runtime runtime_{1};  // its loop survives an exception out of a handler
  tcp::acceptor acceptor_;
  asio::steady_timer retry_accept_;
};

AdminServer::AdminServer(Registry& registry, AdminOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}
AdminServer::~AdminServer() = default;
uint16_t AdminServer::port() const { return impl_->port(); }

}  // namespace scales::metrics

// SPDX-License-Identifier: Apache-2.0
#include "scales/metrics/admin_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/detail/admin_page.h"
#include "metrics/detail/clients_json.h"
#include "metrics/detail/status_gather.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "scales/metrics/client_directory.h"

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
    bound_ = acceptor_.local_endpoint().address();
    port_text_ = std::to_string(acceptor_.local_endpoint().port());
    for (auto host : options_.allowed_hosts) {
      for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      allowed_hosts_.push_back(std::move(host));
    }
    accept();
  }

  ~Impl() {
    inbox_->shut();  // clients answering from now on find the door shut, not a dead loop
    runtime_.stop();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  // A scrape has this long to send its request and take the answer; a client that dawdles (or a
  // slowloris) does not hold a connection longer.
  static constexpr std::chrono::seconds kExchangeTimeout{10};
  // Of which sending the request (a line and a few headers) gets this much, and the answer the
  // rest once it is read: connections that send nothing, filling the exchanges below, are let
  // go soon.
  static constexpr std::chrono::seconds kRequestTimeout{2};
  // How long /admin.json waits for a client's loop to answer; a busy client is listed as such.
  static constexpr std::chrono::seconds kDescribeTimeout{1};
  // Exchanges open at once; a connection past it is closed as it is accepted. Scrapes and pages
  // need a few: the cap is for connections that send nothing and wait out kRequestTimeout.
  static constexpr size_t kMaxExchanges = 64;
  static constexpr uint64_t kMaxRequestBody = 4096;

  // One request and its answer. The answer's body is a view: of static text (the page), or of
  // an immutable buffer the exchange shares, so every request waiting on one /admin.json round
  // is answered from one copy of it, kept alive until the last write ends.
  struct Exchange {
    Exchange(tcp::socket s, std::shared_ptr<std::atomic<size_t>> open_count)
        : stream(std::move(s)), open(std::move(open_count)) {
      ++*open;
      // Only GETs are served: a body is read past, never kept. Beast's string body reserves
      // what Content-Length claims, up to this limit.
      parser.body_limit(kMaxRequestBody);
    }
    ~Exchange() { --*open; }
    boost::beast::tcp_stream stream;
    std::shared_ptr<std::atomic<size_t>> open;
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    http::request<http::string_body> request;  // the parser's, once read
    http::response<http::span_body<const char>> response;
    std::shared_ptr<const std::string> body;  // what response.body() views, unless static
  };

  static void setBody(Exchange& exchange, std::shared_ptr<const std::string> body) {
    exchange.body = std::move(body);
    exchange.response.body() = {exchange.body->data(), exchange.body->size()};
  }
  static void setBody(Exchange& exchange, std::string text) {
    setBody(exchange, std::make_shared<const std::string>(std::move(text)));
  }
  static void setStaticBody(Exchange& exchange, std::string_view text) {
    exchange.body = nullptr;
    exchange.response.body() = {text.data(), text.size()};
  }

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
      if (open_exchanges_->load() >= kMaxExchanges) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        serve(std::make_shared<Exchange>(std::move(socket), open_exchanges_));
      }
      accept();
    });
  }

  void serve(std::shared_ptr<Exchange> exchange) {
    exchange->stream.expires_after(kRequestTimeout);
    http::async_read(exchange->stream, exchange->buffer, exchange->parser,
                     [this, exchange](boost::system::error_code ec, size_t) {
                       if (ec) return;
                       exchange->stream.expires_after(kExchangeTimeout - kRequestTimeout);
                       exchange->request = exchange->parser.release();
                       respond(exchange);
                     });
  }

  void send(const std::shared_ptr<Exchange>& exchange) {
    exchange->response.prepare_payload();
    http::async_write(exchange->stream, exchange->response,
                      [exchange](boost::system::error_code, size_t) {
                        boost::system::error_code ignored;
                        exchange->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  // Whether the request's Host header names this server: the bound address, localhost or a
  // loopback address, or one of AdminOptions::allowed_hosts, with this server's port or none.
  // A page on evil.example whose name an attacker re-points at 127.0.0.1 (DNS rebinding) would
  // otherwise read /admin.json from the victim's browser, as the same origin: its requests say
  // Host: evil.example. curl and Prometheus send the address they connect to.
  bool hostAllowed(std::string_view host) const {
    std::string_view name = host, port;
    if (!host.empty() && host.front() == '[') {  // [IPv6]:port
      auto close = host.find(']');
      if (close == std::string_view::npos) return false;
      name = host.substr(1, close - 1);
      auto rest = host.substr(close + 1);
      if (!rest.empty() && rest.front() != ':') return false;
      port = rest.empty() ? rest : rest.substr(1);
    } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
    }
    if (name.empty()) return false;
    if (!port.empty() && port != port_text_) return false;
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "localhost") return true;
    for (const auto& allowed : allowed_hosts_) {
      if (lower == allowed) return true;
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(lower, ec);
    // An address names no one else: loopback, or the one this server is bound to.
    return !ec && (address.is_loopback() || (address == bound_ && !bound_.is_unspecified()));
  }

  void respond(const std::shared_ptr<Exchange>& exchange) {
    auto& response = exchange->response;
    response.version(exchange->request.version());
    response.keep_alive(false);
    response.set("X-Content-Type-Options", "nosniff");
    std::string target(exchange->request.target());
    target = target.substr(0, target.find('?'));  // the page may add a query to defeat caches
    if (!hostAllowed(exchange->request[http::field::host])) {
      response.result(http::status::misdirected_request);
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      setStaticBody(*exchange,
                    "this server answers only requests addressed to it (Host: 127.0.0.1, "
                    "localhost or its bound address; see AdminOptions::allowed_hosts)\n");
    } else if (exchange->request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      setStaticBody(*exchange, "GET only\n");
    } else if (target == "/metrics" || target == "/metrics.json") {
      auto snapshot = registry_.snapshot();
      if (options_.select) snapshot = aggregate(snapshot, options_.select);
      bool json = target == "/metrics.json";
      response.result(http::status::ok);
      response.set(http::field::content_type,
                   json ? "application/json" : "text/plain; version=0.0.4; charset=utf-8");
      setBody(*exchange, json ? jsonText(snapshot) : prometheusText(snapshot));
    } else if (target == "/" || target == "/admin") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/html; charset=utf-8");
      // Everything the page needs is inline; the browser is told to load nothing from anywhere
      // else and to talk only to this server.
      response.set("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                   "frame-ancestors 'none'");
      response.set("Referrer-Policy", "no-referrer");
      response.set(http::field::cache_control, "no-store");
      setStaticBody(*exchange, detail::adminPageHtml());
    } else if (target == "/admin.json") {
      return answerWithClients(exchange);
    } else {
      response.result(http::status::not_found);
      setStaticBody(*exchange, "not found; try /admin, /admin.json, /metrics or /metrics.json\n");
    }
    send(exchange);
  }

  // Every client's status, taken on its own executor. Requests arriving while the clients are
  // being asked share that round's answer: however often the page is fetched, one round runs
  // at a time.
  void answerWithClients(const std::shared_ptr<Exchange>& exchange) {
    bool asking = !awaiting_clients_.empty();
    awaiting_clients_.push_back(exchange);
    if (asking) return;
    try {
      detail::gatherStatuses(clientDirectory(), inbox_, kDescribeTimeout,
                             [this](std::vector<ClientStatus> clients) { answerClients(clients); });
    } catch (...) {
      answerClients(std::nullopt);
    }
  }

  // Answers the requests waiting for a round: with the clients' JSON, or 500 when there is none
  // (the round or the JSON failed, out of memory, say). The waiting list is taken first, so
  // whatever throws below, the next request starts a new round instead of waiting for ever.
  void answerClients(std::optional<std::vector<ClientStatus>> clients) {
    auto waiting = std::move(awaiting_clients_);
    awaiting_clients_.clear();
    std::shared_ptr<const std::string> body;
    if (clients) {
      try {
        body = std::make_shared<const std::string>(
            detail::clientsJson(*clients, std::chrono::system_clock::now()));
      } catch (...) {
        body = nullptr;
      }
    }
    for (auto& asked : waiting) {
      auto& response = asked->response;
      response.set(http::field::cache_control, "no-store");
      if (body) {
        response.result(http::status::ok);
        response.set(http::field::content_type, "application/json");
        setBody(*asked, body);  // one buffer, however many requests share the round
      } else {
        response.result(http::status::internal_server_error);
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        setStaticBody(*asked, "could not gather the clients' status; try again\n");
      }
      send(asked);
    }
  }

  Registry& registry_;
  AdminOptions options_;
  Runtime runtime_{1};  // its loop survives an exception out of a handler
  tcp::acceptor acceptor_;
  asio::steady_timer retry_accept_;
  std::shared_ptr<detail::Inbox> inbox_ = std::make_shared<detail::Inbox>(runtime_.executor());
  std::vector<std::shared_ptr<Exchange>> awaiting_clients_;  // /admin.json requests being answered
  // Exchanges alive; shared, since the last copy of an exchange may outlive this server.
  std::shared_ptr<std::atomic<size_t>> open_exchanges_ = std::make_shared<std::atomic<size_t>>(0);
  asio::ip::address bound_;
  std::string port_text_;                   // the port a Host header may name
  std::vector<std::string> allowed_hosts_;  // options_.allowed_hosts, lower case
};

AdminServer::AdminServer(Registry& registry, AdminOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}
AdminServer::~AdminServer() = default;
uint16_t AdminServer::port() const { return impl_->port(); }

}  // namespace scales::metrics

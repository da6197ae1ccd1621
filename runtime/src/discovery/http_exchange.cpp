// SPDX-License-Identifier: Apache-2.0
#include "discovery/http_exchange.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>

namespace scales::discovery {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;

class Exchange final : public HttpExchange {
 public:
  Exchange(asio::any_io_executor executor, HostPort server, HttpExchangeRequest request,
           Duration timeout, size_t max_body, Done done, OnLine on_line)
      : server_(std::move(server)),
        request_(std::move(request)),
        timeout_(timeout),
        max_body_(max_body),
        done_(std::move(done)),
        on_line_(std::move(on_line)),
        resolver_(executor),
        lookup_timer_(executor),
        stream_(executor) {}

  void begin() {
    stream_.expires_after(timeout_);
    // The stream's deadline does not cover the name lookup, and cancelling a lookup does not
    // interrupt getaddrinfo(): this timer ends the exchange itself (the lookup's completion,
    // whenever it comes, finds it finished).
    lookup_timer_.expires_after(timeout_);
    lookup_timer_.async_wait([self = self()](error_code ec) {
      if (ec || self->finished_) return;
      self->resolver_.cancel();
      self->fail("resolving " + self->server_.host + ": timed out");
    });
    resolver_.async_resolve(server_.host, std::to_string(server_.port),
                            [self = self()](error_code ec, tcp::resolver::results_type found) {
                              self->lookup_timer_.cancel();
                              if (self->finished_) return;
                              if (ec) return self->fail("resolving: " + ec.message());
                              self->connect(found);
                            });
  }

  void cancel() override {
    cancelled_ = true;  // also stops a `done` already posted by complete()
    if (finished_) return;
    finished_ = true;
    resolver_.cancel();
    lookup_timer_.cancel();
    error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  std::shared_ptr<Exchange> self() {
    return std::static_pointer_cast<Exchange>(shared_from_this());
  }

  void connect(const tcp::resolver::results_type& found) {
    stream_.async_connect(found, [self = self()](error_code ec, const tcp::endpoint&) {
      if (self->finished_) return;
      if (ec) return self->fail("connecting: " + ec.message());
      self->keepAlive();
      self->write();
    });
  }

  // A watch may be silent for minutes: keepalives notice a server host that vanished.
  void keepAlive() {
    if (!on_line_) return;
    auto fd = stream_.socket().native_handle();
    int on = 1, idle = 10, interval = 5, count = 3;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  }

  void write() {
    request_message_.method_string(request_.method);
    request_message_.target(request_.target);
    request_message_.version(11);
    request_message_.set(http::field::host, showServer(server_));
    request_message_.set(http::field::connection, "close");
    for (const auto& [name, value] : request_.headers) request_message_.set(name, value);
    if (!request_.body.empty()) request_message_.set(http::field::content_type, "application/json");
    request_message_.body() = std::move(request_.body);
    request_message_.prepare_payload();
    http::async_write(stream_, request_message_, [self = self()](error_code ec, size_t) {
      if (self->finished_) return;
      if (ec) return self->fail("sending: " + ec.message());
      self->readHeader();
    });
  }

  void readHeader() {
    parser_.header_limit(kMaxHeaderBytes);
    parser_.body_limit(boost::none);  // bounded below, per buffer or per line
    http::async_read_header(stream_, buffer_, parser_, [self = self()](error_code ec, size_t) {
      if (self->finished_) return;
      if (ec) return self->fail("reading the response: " + ec.message());
      const auto& header = self->parser_.get();
      self->result_.status = header.result_int();
      for (const auto& field : header) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        self->result_.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      self->streaming_ = self->on_line_ && self->result_.status / 100 == 2;
      if (self->streaming_) self->stream_.expires_never();
      self->readBody();
    });
  }

  void readBody() {
    if (parser_.is_done()) return finish();
    auto& body = parser_.get().body();
    body.data = chunk_;
    body.size = sizeof chunk_;
    http::async_read_some(stream_, buffer_, parser_, [self = self()](error_code ec, size_t) {
      if (self->finished_) return;
      size_t got = sizeof self->chunk_ - self->parser_.get().body().size;
      if (ec == http::error::need_buffer) ec = {};
      if (got > 0 && !self->take(std::string_view(self->chunk_, got))) return;
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          ec == asio::error::eof) {
        return self->fail("the server closed the connection mid-response");
      }
      if (ec) return self->fail("reading the response: " + ec.message());
      self->readBody();
    });
  }

  // False when the exchange ended (too large, or cancelled by a line's handler).
  bool take(std::string_view bytes) {
    pending_.append(bytes);
    if (!streaming_) {
      if (pending_.size() > max_body_) {
        fail("the response body is over " + std::to_string(max_body_) + " bytes");
        return false;
      }
      return true;
    }
    size_t start = 0;
    for (size_t newline; (newline = pending_.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      std::string_view line(pending_.data() + start, newline - start);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      on_line_(line);
      if (finished_) return false;
    }
    pending_.erase(0, start);
    if (pending_.size() > max_body_) {
      fail("a streamed line is over " + std::to_string(max_body_) + " bytes");
      return false;
    }
    return true;
  }

  void finish() {
    if (streaming_) {
      if (pending_.find_first_not_of(" \t\r") != std::string::npos) on_line_(pending_);
      if (finished_) return;
    } else {
      result_.body = std::move(pending_);
    }
    complete();
  }

  void fail(std::string why) {
    result_.error = std::move(why);
    complete();
  }

  void complete() {
    finished_ = true;
    error_code ignored;
    stream_.socket().close(ignored);
    // Posted: a caller that starts another exchange from `done` does not recurse.
    asio::post(stream_.get_executor(),
               [self = self(), done = std::move(done_), result = std::move(result_)]() mutable {
                 if (self->cancelled_) return;
                 done(std::move(result));  // a body of up to max_body: moved, not copied
               });
  }

  HostPort server_;
  HttpExchangeRequest request_;
  Duration timeout_;
  size_t max_body_;
  Done done_;
  OnLine on_line_;
  tcp::resolver resolver_;
  asio::steady_timer lookup_timer_;
  beast::tcp_stream stream_;
  http::request<http::string_body> request_message_;
  beast::flat_buffer buffer_{kMaxHeaderBytes};
  http::response_parser<http::buffer_body> parser_;
  char chunk_[kReadChunk];
  std::string pending_;
  HttpExchangeResult result_;
  bool streaming_ = false;
  bool finished_ = false;   // no more I/O; `done` posted unless cancelled
  bool cancelled_ = false;  // cancel() was called: `done` must not run
};

}  // namespace

std::string HttpExchangeResult::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::shared_ptr<HttpExchange> HttpExchange::start(asio::any_io_executor executor, HostPort server,
                                                  HttpExchangeRequest request, Duration timeout,
                                                  size_t max_body, Done done, OnLine on_line) {
  auto exchange =
      std::make_shared<Exchange>(std::move(executor), std::move(server), std::move(request),
                                 timeout, max_body, std::move(done), std::move(on_line));
  exchange->begin();
  return exchange;
}

std::string showServer(const HostPort& server) {
  bool v6 = server.host.find(':') != std::string::npos;
  return (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
}

}  // namespace scales::discovery

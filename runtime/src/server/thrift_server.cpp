// SPDX-License-Identifier: Apache-2.0
// The framed server. Each connection reads frames in a loop; replies may complete on any thread
// and in any order (a client correlates by seqid), and are written in completion order.
#include "scales/server/thrift_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/endian/conversion.hpp>
#include <deque>
#include <future>

#include "scales/core/errors.h"
#include "scales/core/runtime.h"

namespace scales::server {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Dispatcher> dispatcher, CallContext context,
             size_t max_frame)
      : socket_(std::move(socket)),
        dispatcher_(std::move(dispatcher)),
        context_(std::move(context)),
        max_frame_(max_frame) {}

  void start() { readHeader(); }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  void readHeader() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->close();
                       uint32_t size = boost::endian::load_big_u32(self->header_.data());
                       // A frame we will not buffer ends the connection: the stream cannot be
                       // resynchronised.
                       if (size == 0 || size > self->max_frame_) return self->close();
                       self->readBody(size);
                     });
  }

  void readBody(uint32_t size) {
    body_.resize(size);
    asio::async_read(socket_, asio::buffer(body_),
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->close();
                       self->dispatch();
                       self->readHeader();
                     });
  }

  void dispatch() {
    auto self = shared_from_this();
    dispatcher_->dispatch(context_, std::move(body_), [self](std::string reply) {
      if (reply.empty()) return;  // oneway
      auto ex = self->socket_.get_executor();
      asio::dispatch(
          ex, [self, reply = std::move(reply)]() mutable { self->enqueue(std::move(reply)); });
    });
    body_ = std::string();
  }

  void enqueue(std::string reply) {
    std::array<unsigned char, 4> header{};
    boost::endian::store_big_u32(header.data(), static_cast<uint32_t>(reply.size()));
    outbox_.push_back(std::string(reinterpret_cast<const char*>(header.data()), 4) +
                      std::move(reply));
    if (outbox_.size() == 1) writeNext();
  }

  void writeNext() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->close();
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty()) self->writeNext();
                      });
  }

  tcp::socket socket_;
  std::shared_ptr<Dispatcher> dispatcher_;
  CallContext context_;
  size_t max_frame_;
  std::array<unsigned char, 4> header_{};
  std::string body_;
  std::deque<std::string> outbox_;
};

}  // namespace

class ThriftServer::Impl {
 public:
  Impl(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options)
      : dispatcher_(std::move(dispatcher)),
        options_(std::move(options)),
        runtime_(options_.io_threads),
        handlers_(static_cast<size_t>(std::max(1, options_.handler_threads))),
        acceptor_(asio::make_strand(runtime_.context())) {}

  void start() {
    error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) throw ConfigError("server host '" + options_.host + "' is not an IP address");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw ConnectionError("cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::dispatch(acceptor_.get_executor(), [this] { accept(); });
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    std::promise<void> done;
    asio::dispatch(acceptor_.get_executor(), [this, &done] {
      error_code ignored;
      acceptor_.close(ignored);
      for (auto& weak : connections_) {
        if (auto c = weak.lock()) c->close();
      }
      done.set_value();
    });
    done.get_future().wait();
    handlers_.join();
    runtime_.stop();
  }

  uint16_t port() const { return port_; }

 private:
  void accept() {
    // Each connection gets its own strand, so several io threads never touch one socket at once.
    acceptor_.async_accept(
        asio::make_strand(runtime_.context()), [this](error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == asio::error::operation_aborted) return;
            return accept();
          }
          error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          auto conn = std::make_shared<Connection>(std::move(socket), dispatcher_,
                                                   CallContext{handlers_.get_executor()},
                                                   options_.max_frame_bytes);
          prune();
          connections_.push_back(conn);
          conn->start();
          accept();
        });
  }

  void prune() {
    std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
  }

  std::shared_ptr<Dispatcher> dispatcher_;
  ServerOptions options_;
  Runtime runtime_;
  asio::thread_pool handlers_;
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Connection>> connections_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

ThriftServer::ThriftServer(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(dispatcher), std::move(options))) {}

ThriftServer::~ThriftServer() { stop(); }

void ThriftServer::start() { impl_->start(); }
void ThriftServer::stop() { impl_->stop(); }
uint16_t ThriftServer::port() const { return impl_->port(); }

}  // namespace scales::server

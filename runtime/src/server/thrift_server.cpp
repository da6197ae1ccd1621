// SPDX-License-Identifier: Apache-2.0
// Accepts connections, tells Mux from framed Thrift by the first frame, and drains on stop().
#include "scales/server/thrift_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <unordered_map>

#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "session.h"

namespace scales::server {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

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
    // 1. No new connections. 2. Every session finishes what it has (Mux clients are told to go
    // elsewhere) and closes. 3. Whatever is still open at the drain timeout is closed anyway.
    std::promise<void> stopped_accepting;
    asio::dispatch(acceptor_.get_executor(), [this, &stopped_accepting] {
      error_code ignored;
      acceptor_.close(ignored);
      stopped_accepting.set_value();
    });
    stopped_accepting.get_future().wait();
    forEachSession([](detail::Session& s) { s.drain(); });
    {
      std::unique_lock lock(mutex_);
      sessions_closed_.wait_for(lock, options_.drain_timeout, [this] { return sessions_.empty(); });
    }
    forEachSession([](detail::Session& s) { s.close(); });
    handlers_.join();
    runtime_.stop();
  }

  uint16_t port() const { return port_; }

  ServerStats stats() const {
    return ServerStats{counters_.connects, counters_.downgraded_connects, counters_.discarded,
                       counters_.orphaned_discards};
  }

 private:
  void accept() {
    // Each connection gets its own strand, so several io threads never touch one socket at once.
    acceptor_.async_accept(asio::make_strand(runtime_.context()),
                           [this](error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
                               return;
                             }
                             if (!ec) sniff(std::move(socket));
                             accept();
                           });
  }

  // Reads the first frame header to tell Mux from framed Thrift (MUX.md "Server downgrade").
  void sniff(tcp::socket socket) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    auto first = std::make_shared<std::string>(8, '\0');
    asio::async_read(*s, asio::buffer(*first), [this, s, first](error_code ec, size_t) {
      if (ec || stopped_) return;
      ++counters_.connects;
      bool mux = detail::looksLikeMux(*first);
      if (!mux) ++counters_.downgraded_connects;
      uint64_t id = next_id_++;
      detail::SessionSetup setup{dispatcher_,
                                 CallContext{handlers_.get_executor(), Deadline::infinite()},
                                 &options_, &counters_, [this, id] { forget(id); }};
      auto session = mux ? detail::makeMuxSession(std::move(*s), std::move(setup))
                         : detail::makeFramedSession(std::move(*s), std::move(setup));
      auto executor = s->get_executor();
      {
        std::lock_guard lock(mutex_);
        sessions_.emplace(id, SessionEntry{session, executor});
      }
      session->start(std::move(*first));
    });
  }

  void forget(uint64_t id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
    if (sessions_.empty()) sessions_closed_.notify_all();
  }

  // Runs `f` on each live session, on that session's own executor, and waits for all of them.
  template <class F>
  void forEachSession(F f) {
    std::vector<std::future<void>> done;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, entry] : sessions_) {
        auto task = std::make_shared<std::packaged_task<void()>>(
            [weak = std::weak_ptr<detail::Session>(entry.session), f] {
              if (auto s = weak.lock()) f(*s);
            });
        done.push_back(task->get_future());
        asio::dispatch(entry.executor, [task] { (*task)(); });
      }
    }
    for (auto& d : done) d.wait();
  }

  struct SessionEntry {
    std::shared_ptr<detail::Session> session;
    asio::any_io_executor executor;
  };

  std::shared_ptr<Dispatcher> dispatcher_;
  ServerOptions options_;
  Runtime runtime_;
  asio::thread_pool handlers_;
  tcp::acceptor acceptor_;
  detail::Counters counters_;
  std::mutex mutex_;
  std::condition_variable sessions_closed_;
  std::unordered_map<uint64_t, SessionEntry> sessions_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<bool> stopped_{false};
  uint16_t port_ = 0;
};

ThriftServer::ThriftServer(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(dispatcher), std::move(options))) {}

ThriftServer::~ThriftServer() { stop(); }

void ThriftServer::start() { impl_->start(); }
void ThriftServer::stop() { impl_->stop(); }
uint16_t ThriftServer::port() const { return impl_->port(); }
ServerStats ThriftServer::stats() const { return impl_->stats(); }

}  // namespace scales::server

// SPDX-License-Identifier: Apache-2.0
// Accepts connections, tells Mux from framed Thrift by the first frame, and drains on stop().
#include "scales/server/thrift_server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <unordered_map>

#include "peer_allowlist.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "session.h"
#include "transport/tls_context.h"

namespace scales::server {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class ThriftServer::Impl {
 public:
  Impl(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options)
      : dispatcher_(std::move(dispatcher)),
        shared_(std::make_shared<detail::ServerShared>(std::move(options))),
        loops_(makeLoops(shared_->options.io_threads)),
        handlers_(static_cast<size_t>(std::max(1, shared_->options.handler_threads))),
        acceptor_(loops_.front()->context()),
        accept_backoff_(acceptor_.get_executor()) {}

  void start() {
    options().tls.validate();
    error_code ec;
    auto address = asio::ip::make_address(options().host, ec);
    if (ec) throw ConfigError("server host '" + options().host + "' is not an IP address");
    tcp::endpoint endpoint(address, options().port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw ConnectionError("cannot listen on " + options().host + ":" +
                            std::to_string(options().port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    metrics::Labels labels{{"server", options().name}, {"port", std::to_string(port_)}};
    if (options().metrics) shared_->counters.exportTo(*options().metrics, labels);
    if (options().tls.enabled()) {
      // Bad files fail here, before a connection is taken.
      shared_->tls = transport::ServerTls::make(
          options().tls, options().metrics
                             ? transport::HandshakeCounters::in(*options().metrics, labels)
                             : transport::HandshakeCounters::standalone());
    }
    dispatcher_ = detail::guardPeers(dispatcher_, options().tls, shared_->counters.peers_refused);
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
      accept_backoff_.cancel();
      stopped_accepting.set_value();
    });
    stopped_accepting.get_future().wait();
    forEachSession([](detail::Session& s) { s.drain(); });
    {
      std::unique_lock lock(mutex_);
      sessions_closed_.wait_for(lock, options().drain_timeout,
                                [this] { return sessions_.empty(); });
    }
    forEachSession([](detail::Session& s) { s.close(); });
    handlers_.join();
    for (auto& loop : loops_) loop->stop();
  }

  uint16_t port() const { return port_; }

  ServerStats stats() const {
    const detail::Counters& c = shared_->counters;
    ServerStats stats;
#define SCALES_READ(name) stats.name = static_cast<uint64_t>(c.name->value());
    SCALES_SERVER_COUNTERS(SCALES_READ)
#undef SCALES_READ
    stats.open_connections = connections_.load();
    if (shared_->tls) {
      const auto& h = shared_->tls->counters();
      stats.tls_handshakes = static_cast<uint64_t>(h.ok->value() + h.resumed->value());
      stats.tls_handshake_failures =
          static_cast<uint64_t>(h.timeout->value() + h.verify_failed->value() +
                                h.identity_refused->value() + h.closed->value() + h.error->value());
    }
    return stats;
  }

 private:
  const ServerOptions& options() const { return shared_->options; }

  // One single-threaded loop per io thread, each connection on one of them: a connection's
  // handlers then always run on one thread, with no strand to pass and no wake-up of another
  // thread per read. (One io_context run by N threads, as this was first, cost 1.8x the CPU per
  // call at 1 in flight with 2 threads: every completion could wake the other thread.)
  static std::vector<std::unique_ptr<Runtime>> makeLoops(int count) {
    std::vector<std::unique_ptr<Runtime>> loops;
    for (int i = 0; i < std::max(1, count); ++i) loops.push_back(std::make_unique<Runtime>(1));
    return loops;
  }

  // On the acceptor's loop (the first one).
  void accept() {
    if (!acceptor_.is_open()) return;
    if (connections_.load() >= options().max_connections) {
      // At the cap: leave new connections in the kernel's backlog until one closes (forget()).
      accept_paused_ = true;
      shared_->counters.accept_pauses->add();
      return;
    }
    // Connections take the loops in turn.
    auto& loop = *loops_[next_loop_++ % loops_.size()];
    acceptor_.async_accept(loop.context(), [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
      }
      if (ec) return backOff();
      accept_delay_ = std::chrono::milliseconds(0);
      ++connections_;
      sniff(std::move(socket));
      accept();
    });
  }

  // accept() failed (out of descriptors, EMFILE/ENFILE, or memory): trying again at once would
  // fail again at once, so wait, longer each time (5 ms doubling to 1 s), while connections close.
  void backOff() {
    shared_->counters.accept_errors->add();
    accept_delay_ = std::clamp<std::chrono::milliseconds>(
        accept_delay_ * 2, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
    accept_backoff_.expires_after(accept_delay_);
    accept_backoff_.async_wait([this](error_code ec) {
      if (!ec) accept();
    });
  }

  // A connection closed (from any thread): below the cap again, accepting resumes.
  void released() {
    --connections_;
    asio::dispatch(acceptor_.get_executor(), [this] {
      if (accept_paused_ && connections_.load() < options().max_connections) {
        accept_paused_ = false;
        accept();
      }
    });
  }

  // Reads the first bytes to tell TLS from plaintext, then Mux from framed Thrift (inside TLS,
  // once it is up; docs/architecture.md, "Server downgrade"), all within handshake_timeout.
  void sniff(tcp::socket socket) {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<Sniffing>(std::move(socket));
    if (options().handshake_timeout > std::chrono::milliseconds::zero()) {
      s->timer.expires_after(options().handshake_timeout);
      s->timer.async_wait([this, s](error_code ec) {
        if (ec || s->done) return;
        shared_->counters.handshake_timeouts->add();
        error_code closing;
        s->stream.socket().close(closing);  // the read below ends with an error, freeing the slot
      });
    }
    readFirst(s);
  }

  struct Sniffing {
    explicit Sniffing(tcp::socket s) : stream(std::move(s)), timer(stream.get_executor()) {}
    transport::Stream stream;
    asio::steady_timer timer;
    std::string first = std::string(8, '\0');
    bool done = false;
  };

  void refuse(const std::shared_ptr<Sniffing>& s, metrics::Counter& counter) {
    counter.add();
    s->done = true;
    s->timer.cancel();
    s->stream.close();
    released();
  }

  void readFirst(std::shared_ptr<Sniffing> s) {
    asio::async_read(s->stream, asio::buffer(s->first), [this, s](error_code ec, size_t) {
      if (ec || stopped_) {
        s->done = true;
        s->timer.cancel();
        return released();
      }
      bool secure = s->stream.secure();
      if (!secure && transport::looksLikeTls(s->first)) {
        // TLS to a server without it: a handshake record is no frame this server can read.
        if (!shared_->tls) return refuse(s, *shared_->counters.protocol_errors);
        auto hello = std::exchange(s->first, std::string(8, '\0'));
        return shared_->tls->handshake(s->stream, std::move(hello), Duration::max(),
                                       [this, s](std::exception_ptr failed) {
                                         if (!failed && !stopped_) return readFirst(s);
                                         s->done = true;
                                         s->timer.cancel();
                                         released();
                                       });
      }
      bool mux = detail::looksLikeMux(s->first);
      // A TLS-only server still reads a plaintext Mux handshake: Rinit tells the client that TLS
      // is required (opportunistic TLS), and calls are refused until it upgrades.
      if (!secure && shared_->tls && !options().tls.allow_plaintext && !mux) {
        return refuse(s, *shared_->counters.plaintext_refused);
      }
      s->done = true;
      s->timer.cancel();
      shared_->counters.connects->add();
      if (!mux) shared_->counters.downgraded_connects->add();
      uint64_t id = next_id_++;
      detail::SessionSetup setup{dispatcher_, handlers_.get_executor(), shared_,
                                 [this, id] { forget(id); }};
      auto executor = s->stream.get_executor();
      auto session = mux ? detail::makeMuxSession(std::move(s->stream), std::move(setup))
                         : detail::makeFramedSession(std::move(s->stream), std::move(setup));
      {
        std::lock_guard lock(mutex_);
        sessions_.emplace(id, SessionEntry{session, executor});
      }
      session->start(std::move(s->first));
    });
  }

  void forget(uint64_t id) {
    {
      std::lock_guard lock(mutex_);
      sessions_.erase(id);
      if (sessions_.empty()) sessions_closed_.notify_all();
    }
    released();
  }

  // Runs `f` on each live session, on that session's own executor, and waits for all of them.
  // The sessions are copied out first: `f` may close a session, whose forget() takes mutex_.
  template <class F>
  void forEachSession(F f) {
    // Weak: a session `f` closes is freed where it closes, never by this thread.
    std::vector<std::pair<std::weak_ptr<detail::Session>, asio::any_io_executor>> entries;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, entry] : sessions_) entries.emplace_back(entry.session, entry.executor);
    }
    std::vector<std::future<void>> done;
    for (auto& [weak, executor] : entries) {
      auto task = std::make_shared<std::packaged_task<void()>>([weak = weak, f] {
        if (auto s = weak.lock()) f(*s);
      });
      done.push_back(task->get_future());
      asio::dispatch(executor, [task] { (*task)(); });
    }
    for (auto& d : done) d.wait();
  }

  struct SessionEntry {
    std::shared_ptr<detail::Session> session;
    asio::any_io_executor executor;
  };

  std::shared_ptr<Dispatcher> dispatcher_;
  std::shared_ptr<detail::ServerShared> shared_;
  std::vector<std::unique_ptr<Runtime>> loops_;
  size_t next_loop_ = 0;  // on the acceptor's loop
  asio::thread_pool handlers_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_backoff_;
  std::chrono::milliseconds accept_delay_{0};
  bool accept_paused_ = false;  // on the acceptor's loop
  std::atomic<size_t> connections_{0};
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

// SPDX-License-Identifier: Apache-2.0
// Channel: what every protocol client (Thrift stubs, HTTP, Redis, Kafka) holds. It owns the event
// loop (or a strand over the caller's executor), the client stack built from a URI and a
// ClientConfig, and the client's metrics, and sends already-encoded Requests down the stack.
#pragma once

#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scales/client/client_metrics.h"
#include "scales/client/config.h"
#include "scales/client/stack.h"
#include "scales/core/runtime.h"
#include "scales/core/service.h"
#include "scales/transport/connection.h"

namespace scales::client {

// Opens the protocol's connections to one endpoint.
using ConnectionsFor = std::function<std::shared_ptr<transport::ConnectionFactory>(
    const discovery::Endpoint&, boost::asio::any_io_executor)>;
// Makes that from the client's settings; given the client's metrics for per-connection counts.
using MakeConnections =
    std::function<ConnectionsFor(const ClientConfig&, std::shared_ptr<const ClientMetrics>)>;

// What a protocol brings to the shared stack: its connections, and what it needs of the rest.
struct ProtocolStack {
  MakeConnections connections;
  // Which of the protocol's replies are failures, and which may go again (null: none).
  ProtocolClassifier classify = {};
  // Used when ClientConfig::balancer is empty.
  std::string default_balancer = "aperture";
  // Used when ClientConfig::pool_kind is empty; and whether the protocol's connections take
  // concurrent calls (a pool that shares connections needs that).
  std::string default_pool = "watermark";
  bool concurrent_connections = false;
};

class StatusSource;

class Channel {
 public:
  // Validates `config` (query options already applied) and builds the stack for `uri`. Throws
  // ConfigError naming the bad part. The client is listed on the admin page
  // (scales/metrics/client_directory.h) until close().
  Channel(const discovery::Uri& uri, ClientConfig config, const ProtocolStack& protocol);
  // close(), then stops the loop if the channel owns one.
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const ClientConfig& config() const { return config_; }
  // The stack's layers, top-down in request order, user layers included.
  std::vector<std::string> layers() const;
  const ClientMetrics& metrics() const { return *metrics_; }
  boost::asio::any_io_executor executor() const { return executor_; }

  // Sends one encoded request. Callable from any thread. A request without a deadline gets
  // config().timeout. The handler runs on its associated executor (or the channel's). After
  // close() began, the handler gets UsageError.
  void send(Request&& request, RpcService::Handler&& handler);

  // Graceful close: refuses new calls with UsageError at once, lets the calls in flight finish
  // for up to config().drain_timeout, then closes the stack (the calls still out fail, and the
  // connections close). Blocks until then, except on the channel's own executor, where it
  // cannot wait for replies that executor would deliver: there it closes at once. A second
  // caller waits for the first (but on the channel's own executor).
  void close();

  // Waits until any endpoint has an open connection (asking every endpoint's pool to connect
  // meanwhile): returns, or throws UnavailableError naming why none did within `timeout`
  // (UsageError after close(), or on the channel's own executor).
  void awaitReady(Duration timeout);
  // The same, completing `token` with void(std::exception_ptr): null once ready.
  template <class CompletionToken>
  auto awaitReady(Duration timeout, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
        [this](auto handler, Duration within) {
          startAwaitReady(within, ReadyHandler(std::move(handler)));
        },
        token, timeout);
  }

  // Sync calls block until the reply; doing that on the channel's own event loop would
  // deadlock. Throws UsageError naming `what` when called there.
  void checkMayBlock(std::string_view what) const;
  bool onOwnExecutor() const;

 private:
  using ReadyHandler = boost::asio::any_completion_handler<void(std::exception_ptr)>;
  void startAwaitReady(Duration timeout, ReadyHandler handler);

  // Calls from other threads wait here for the loop, which takes them all in one turn: one
  // hand-off (a post, maybe a wake-up) per batch instead of per call, and no allocation for it.
  struct Submitted {
    Request request;
    RpcService::Handler handler;
  };
  void submit(Request&& request, RpcService::Handler&& handler);
  void runSubmitted();

  ClientConfig config_;
  std::unique_ptr<Runtime> runtime_;
  // Exactly one of these runs the stack: our own loop, or a strand over the caller's executor.
  std::optional<boost::asio::strand<boost::asio::any_io_executor>> strand_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<ClientMetrics> metrics_;
  std::unique_ptr<RpcService> stack_;
  StackHooks hooks_{std::make_shared<resilience::CallsInFlight>(), nullptr};
  std::atomic<bool> closing_{false};
  std::promise<void> closed_promise_;  // set when the first close() has closed the stack
  std::shared_future<void> closed_ = closed_promise_.get_future().share();
  std::shared_ptr<StatusSource> status_;  // the admin page's way in; withdrawn by close()
  std::mutex submitted_mutex_;
  std::vector<Submitted> submitted_;  // a runSubmitted() is posted while this is non-empty
  std::vector<Submitted> running_;    // only on the loop: the batch being started, kept for reuse
  static constexpr size_t kKeptBatch = 1024;  // the most calls' room either queue keeps
};

}  // namespace scales::client

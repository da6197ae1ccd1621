// SPDX-License-Identifier: Apache-2.0
// Channel: what every protocol client (Thrift stubs, HTTP, Redis, Kafka) holds. It owns the event
// loop (or a strand over the caller's executor), the client stack built from a URI and a
// ClientConfig, and the client's metrics, and sends already-encoded Requests down the stack.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "scales/client/client_metrics.h"
#include "scales/client/config.h"
#include "scales/client/stack.h"
#include "scales/core/runtime.h"
#include "scales/core/service.h"

namespace scales::client {

// Makes the protocol's per-endpoint pools; given the client's metrics for per-connection counts.
using MakePools =
    std::function<PoolFactory(const ClientConfig&, std::shared_ptr<const ClientMetrics>)>;

class Channel {
 public:
  // Builds the stack for `uri` (query options already applied to `config`). Throws ConfigError
  // naming the bad part.
  Channel(const discovery::Uri& uri, ClientConfig config, const MakePools& pools,
          ReplyClassifier classify = nullptr);
  // Closes the stack on its executor, then stops the loop if the channel owns one.
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const ClientConfig& config() const { return config_; }
  const ClientMetrics& metrics() const { return *metrics_; }
  boost::asio::any_io_executor executor() const { return executor_; }

  // Sends one encoded request. Callable from any thread. A request without a deadline gets
  // config().timeout. The handler runs on its associated executor (or the channel's).
  void send(Request request, RpcService::Handler handler);

  // Sync calls block until the reply; doing that on the channel's own event loop would
  // deadlock. Throws UsageError naming `what` when called there.
  void checkMayBlock(std::string_view what) const;
  bool onOwnExecutor() const;

 private:
  ClientConfig config_;
  std::unique_ptr<Runtime> runtime_;
  // Exactly one of these runs the stack: our own loop, or a strand over the caller's executor.
  std::optional<boost::asio::strand<boost::asio::any_io_executor>> strand_;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<ClientMetrics> metrics_;
  std::unique_ptr<RpcService> stack_;
};

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
// The one place where a client stack is assembled from a URI and a ClientConfig.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "scales/client/client_metrics.h"
#include "scales/client/config.h"
#include "scales/core/service.h"
#include "scales/discovery/uri.h"
#include "scales/metrics/client_status.h"
#include "scales/pool/pool.h"
#include "scales/resilience/timeout.h"

namespace scales::client {

// Makes the pool for one endpoint: the protocol-specific bottom of the stack (which pool, which
// connections).
using PoolFactory = std::function<std::unique_ptr<pool::Pool>(const discovery::Endpoint&,
                                                              boost::asio::any_io_executor)>;

// What a readiness wait completes with when the stack closed under it.
inline constexpr std::string_view kClientClosed = "client closed";

// What a channel needs of its stack besides the top layer.
struct StackHooks {
  // Counts the calls the stack holds and their attempts at endpoints, for a graceful close
  // (given, with its executor set; may be null).
  std::shared_ptr<resilience::CallsInFlight> in_flight;
  // Set by buildStack: completes with an empty string once any endpoint has an open connection,
  // with why none has by the deadline, or with kClientClosed when the stack closes first (at
  // once, inside its close()). Call it on the stack's executor, while the stack lives.
  std::function<void(Deadline, std::function<void(std::string)>)> await_ready;
  // Set by buildStack when the stack has a balancer layer: fills in the client's status for the
  // admin page. Call it on the stack's executor, while the stack lives and before it closes.
  std::function<void(metrics::ClientStatus&)> describe = {};
};

// Builds deadline -> retry -> backup -> balancer -> node -> pool -> connection. Throws
// ConfigError for a bad URI, scheme or option. Every layer runs on `executor`, which must not run
// handlers concurrently (a strand or a one-thread io_context). `classify` is the protocol's
// reply classifier (null: every reply a success), after config.classify; the stack records into
// `metrics` (null: a ClientMetrics of its own in config.metrics or the default registry), and
// fills in `hooks` (may be null).
std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       PoolFactory pools, boost::asio::any_io_executor executor,
                                       ProtocolClassifier classify = {},
                                       std::shared_ptr<const ClientMetrics> metrics = nullptr,
                                       StackHooks* hooks = nullptr);

}  // namespace scales::client

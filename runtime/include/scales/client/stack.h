// SPDX-License-Identifier: Apache-2.0
// The one place where a client stack is assembled from a URI and a ClientConfig.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>

#include "scales/client/client_metrics.h"
#include "scales/client/config.h"
#include "scales/core/service.h"
#include "scales/discovery/uri.h"
#include "scales/pool/pool.h"

namespace scales::client {

// Makes the pool for one endpoint: the protocol-specific bottom of the stack (which pool, which
// connections).
using PoolFactory = std::function<std::unique_ptr<pool::Pool>(const discovery::Endpoint&,
                                                              boost::asio::any_io_executor)>;

// Builds deadline -> retry -> backup -> balancer -> node -> pool -> connection. Throws
// ConfigError for a bad URI, scheme or option. Every layer runs on `executor`, which must not run
// handlers concurrently (a strand or a one-thread io_context). `classify` is the protocol's
// reply classifier (null: every reply a success), after config.classify; the stack records into
// `metrics` (null: a ClientMetrics of its own in config.metrics or the default registry).
std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       PoolFactory pools, boost::asio::any_io_executor executor,
                                       ReplyClassifier classify = nullptr,
                                       std::shared_ptr<const ClientMetrics> metrics = nullptr);

}  // namespace scales::client

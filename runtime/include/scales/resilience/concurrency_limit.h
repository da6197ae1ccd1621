// SPDX-License-Identifier: Apache-2.0
// Per-endpoint concurrency limit: at most max_concurrency calls in flight to one node, or with
// adaptive.enabled as many as an adaptive limit that follows measured latency allows
// (scales/resilience/adaptive_limit.h). The next call is refused at once with RejectedError
// ("maximum concurrency reached", a backpressure signal the caller can act on) or, with
// max_queue > 0, waits in a bounded FIFO queue and goes as soon as a slot frees. Queued calls
// count as the node's load, so balancers steer away from a full node.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "scales/core/service.h"
#include "scales/metrics/metric.h"
#include "scales/resilience/adaptive_limit.h"

namespace scales::resilience {

struct ConcurrencyLimitOptions {
  size_t max_concurrency = 0;  // calls in flight per endpoint; 0: no limit (the default)
  // Instead of max_concurrency: a limit that follows latency (Gradient2).
  AdaptiveLimitOptions adaptive = {};
  size_t max_queue = 0;  // calls that may wait for a slot; 0: refuse at once
  // Shadow mode: nothing waits and nothing is refused; a call that starts with max_concurrency +
  // max_queue calls already in flight (one the limit would have refused) is counted in
  // `shadow_refusals`, so the limit can be tuned on live traffic.
  bool shadow = false;
};

// What the layer records (null members: nothing).
struct ConcurrencyLimitMetrics {
  std::shared_ptr<metrics::Counter> shadow_refusals;  // in shadow mode
  std::shared_ptr<metrics::Gauge> limit;              // the limit in force
};

// `label` names the endpoint in errors.
std::unique_ptr<RpcService> concurrencyLimit(std::unique_ptr<RpcService> next,
                                             const ConcurrencyLimitOptions& options,
                                             std::string label,
                                             boost::asio::any_io_executor executor,
                                             ConcurrencyLimitMetrics metrics = {});

}  // namespace scales::resilience

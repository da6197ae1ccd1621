// SPDX-License-Identifier: Apache-2.0
// The built-in per-endpoint layers that watch calls, one file each (watcher.h): each reports to
// the endpoint's node; a layer whose feature is off makes no watcher (null).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "../endpoint_node.h"
#include "scales/client/config.h"
#include "scales/resilience/latency_window.h"
#include "watcher.h"

namespace scales::client::endpoint {

// What the built-in endpoint layers are made from.
struct Parts {
  const ClientConfig& config;
  boost::asio::any_io_executor executor;
  EndpointNode& node;
  // The client's latency window: `stats` feeds it; backups and retries read it.
  std::shared_ptr<resilience::LatencyWindow> latencies;
};

// The endpoint's shadow_refusals{limit=`limit`} counter (null without endpoint metrics).
inline std::shared_ptr<metrics::Counter> shadowCounter(const Parts& parts, const char* limit) {
  auto* metrics = parts.node.metrics();
  if (metrics == nullptr) return nullptr;
  auto labels = metrics->labels;
  labels.emplace_back("limit", limit);
  return metrics->registry.counter("shadow_refusals", std::move(labels));
}

// A span per recorded attempt (scales/tracing/layers.h); off only when the call is not sampled.
std::unique_ptr<Watcher> attemptTrace(const Parts& parts);
// Load for the balancer (calls out, peak-EWMA latency), the endpoint's metrics, the call's trace.
std::unique_ptr<Watcher> stats(const Parts& parts);
// Dead for a backoff after repeated failures (at once when unreachable), then on probation.
std::unique_ptr<Watcher> failureAccrual(const Parts& parts);
// Open for its reset timeout after too many failures, then one probe call (off by default).
std::unique_ptr<Watcher> circuitBreaker(const Parts& parts);
// Out while active probes fail (off unless a probe is configured).
std::unique_ptr<Watcher> healthGate(const Parts& parts);
// Counts for outlier ejection, which the balanced service decides (off unless an interval is
// configured).
std::unique_ptr<Watcher> outlierGate(const Parts& parts);

}  // namespace scales::client::endpoint

// SPDX-License-Identifier: Apache-2.0
// The built-in per-endpoint layers, one file each. Each wraps the layer below it and reports to
// the endpoint's node; a layer whose feature is off returns `next` unchanged.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <memory>

#include "../endpoint_node.h"
#include "scales/client/config.h"
#include "scales/resilience/latency_window.h"

namespace scales::client::endpoint {

// What the built-in endpoint layers are made from.
struct Parts {
  const ClientConfig& config;
  boost::asio::any_io_executor executor;
  EndpointNode& node;
  // The client's latency window: `stats` feeds it; backups and retries read it.
  std::shared_ptr<resilience::LatencyWindow> latencies;
};

// Sends the call on to `next` and runs `observe(error, reply)` when it completes, just before the
// caller's handler: how the layers that watch results (stats and the gates) see them. The
// caller's cancellation slot stays bound to the call.
template <class Observe>
void callObserved(RpcService& next, Request&& request, RpcService::Handler&& handler,
                  Observe observe) {
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  next.call(std::move(request),
            boost::asio::bind_cancellation_slot(
                slot, [observe = std::move(observe), handler = std::move(handler)](
                          std::exception_ptr error, Response response) mutable {
                  observe(error, response);
                  handler(error, std::move(response));
                }));
}

// The endpoint's shadow_refusals{limit=`limit`} counter (null without endpoint metrics).
inline std::shared_ptr<metrics::Counter> shadowCounter(const Parts& parts, const char* limit) {
  auto* metrics = parts.node.metrics();
  if (metrics == nullptr) return nullptr;
  auto labels = metrics->labels;
  labels.emplace_back("limit", limit);
  return metrics->registry.counter("shadow_refusals", std::move(labels));
}

// Load for the balancer (calls out, peak-EWMA latency), the endpoint's metrics, the call's trace.
std::unique_ptr<RpcService> stats(std::unique_ptr<RpcService> next, const Parts& parts);
// Dead for a backoff after repeated failures (at once when unreachable), then on probation.
std::unique_ptr<RpcService> failureAccrual(std::unique_ptr<RpcService> next, const Parts& parts);
// Open for its reset timeout after too many failures, then one probe call (off by default).
std::unique_ptr<RpcService> circuitBreaker(std::unique_ptr<RpcService> next, const Parts& parts);
// Out while active probes fail (off unless a probe is configured).
std::unique_ptr<RpcService> healthGate(std::unique_ptr<RpcService> next, const Parts& parts);
// Counts for outlier ejection, which the balanced service decides (off unless an interval is
// configured).
std::unique_ptr<RpcService> outlierGate(std::unique_ptr<RpcService> next, const Parts& parts);

}  // namespace scales::client::endpoint

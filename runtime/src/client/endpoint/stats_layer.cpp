// SPDX-License-Identifier: Apache-2.0
// `stats`: the top of an endpoint's layers. Tells the node (so its balancer) when each call
// starts and finishes and how long it took, records the endpoint's metrics and the call's
// attempt in its trace, and feeds successful latencies to the client's window.
#include "layers.h"
#include "scales/core/call_trace.h"

namespace scales::client::endpoint {
namespace {

class StatsWatcher final : public Watcher {
 public:
  StatsWatcher(EndpointNode& node, std::shared_ptr<resilience::LatencyWindow> latencies)
      : node_(node), latencies_(std::move(latencies)) {}

  std::exception_ptr start(Request& request, WatchedCall& call) override {
    node_.callStarted();
    auto* metrics = node_.metrics();
    if (metrics) {
      metrics->requests->add();
      metrics->pending->add(1);
    }
    call.trace = std::move(request.trace);
    if (call.trace) {
      call.attempt =
          static_cast<uint32_t>(call.trace->start(node_.address(), request.attempt_kind));
    }
    return nullptr;
  }

  void finish(WatchedCall& call, const Outcome& outcome) override {
    Duration took = outcome.at - call.started;
    if (call.trace) call.trace->finish(call.attempt, outcome.error, took);
    finished(outcome.error, outcome.reply, outcome.at, took);
  }

 private:
  // The node outlives its layers' calls (EndpointNode::call keeps it).
  void finished(const std::exception_ptr& error, const Response& reply, Clock::time_point now,
                Duration took) {
    node_.callFinished(now, took);
    bool failed = error || reply.reply_class.failure;
    if (!failed && latencies_) latencies_->record(took, now);
    auto* metrics = node_.metrics();
    if (!metrics) return;
    metrics->pending->add(-1);
    if (const auto* pool = node_.pool()) {
      metrics->connections->set(static_cast<int64_t>(pool->size()));
      metrics->pool_waiters->set(static_cast<int64_t>(pool->waiters()));
    }
    if (error) {
      metrics->failed(errorTypeName(error));
    } else if (failed) {
      metrics->failed(reply.reply_class.label());
    } else {
      metrics->successes->add();
      metrics->latency->record(took);
    }
  }

  EndpointNode& node_;
  std::shared_ptr<resilience::LatencyWindow> latencies_;
};

}  // namespace

std::unique_ptr<Watcher> stats(const Parts& parts) {
  return std::make_unique<StatsWatcher>(parts.node, parts.latencies);
}

}  // namespace scales::client::endpoint

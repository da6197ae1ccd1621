// SPDX-License-Identifier: Apache-2.0
// Watchers: the built-in per-endpoint layers that act on a call where it starts and where it ends
// but do not wrap the layers below (endpoint_trace, stats, failure_accrual, circuit_breaker,
// health_gate, outlier_gate). At the start one may refuse the call (an open breaker) or mark it
// (a span, the attempt in its trace); at the end each reads the outcome. Each is still a layer of
// the list (scales/client/layers.h), but a run of them next to each other is one Service, a
// WatcherRun: every call through it gets one record and one completion wrapper, where a layer
// each gave it a wrapper of its own (an allocation and a type-erased hop per layer and call;
// docs/benchmarks.md). The run at the top of an endpoint's layers is its node's
// (EndpointNode::call), which the same record keeps alive until the call completes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <exception>
#include <memory>
#include <vector>

#include "../../tracing/attempt_span.h"
#include "scales/core/call_trace.h"
#include "scales/core/deadline.h"
#include "scales/core/service.h"

namespace scales::client {
class EndpointNode;
}

namespace scales::client::endpoint {

// What the watchers keep of one call while it is out: one record, shared by the run.
struct WatchedCall {
  Clock::time_point started;         // when the endpoint took the call
  Deadline deadline;                 // the call's: a cancellation after it counts as a timeout
  std::shared_ptr<CallTrace> trace;  // the call's attempts (stats records this one there)
  std::unique_ptr<tracing::AttemptSpan> span;  // endpoint_trace's, for a sampled call only
  uint32_t attempt = 0;                        // this attempt's index in `trace`
  bool admitted = true;  // false: circuit_breaker would refuse it, and lets it by in shadow mode
};

// How a call ended, as the layers below left it.
struct Outcome {
  Clock::time_point at;  // read once for every watcher
  const std::exception_ptr& error;
  const Response& reply;
};

class Watcher {
 public:
  virtual ~Watcher() = default;
  // The call reaches this watcher (top-down). A non-null error (or an exception) refuses it
  // here: the watchers above see it end with that error (never inline), and those below never
  // see it.
  virtual std::exception_ptr start(Request& request, WatchedCall& call) = 0;
  // The call ended (bottom-up, as nested layers would see it): once for every call this watcher
  // started, unless the layers below drop the call's handler uncalled (a contract breach).
  virtual void finish(WatchedCall& call, const Outcome& outcome) = 0;
  // The client is closing: stop timers and probes.
  virtual void close() {}
};

// A run of watchers over the layers below them.
class WatcherRun final : public RpcFilter {
 public:
  // `watchers` top first; the executor is where a refused call completes.
  WatcherRun(std::unique_ptr<RpcService> next, std::vector<std::unique_ptr<Watcher>> watchers,
             boost::asio::any_io_executor executor);

  void call(Request&& request, Handler&& handler) override {
    call(std::move(request), std::move(handler), nullptr);
  }
  // As call(); the call's record also holds `node` until the call completes, and tells it then
  // (EndpointNode::callEnded), before the handler runs.
  void call(Request&& request, Handler&& handler, std::shared_ptr<EndpointNode> node);
  void close() override;

 private:
  struct Completion;

  std::vector<std::unique_ptr<Watcher>> watchers_;
  boost::asio::any_io_executor executor_;
};

}  // namespace scales::client::endpoint

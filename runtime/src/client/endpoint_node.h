// SPDX-License-Identifier: Apache-2.0
// EndpointNode: one endpoint of the client stack, as the balancer sees it (a balancer::Node) and
// as the balanced service calls it (the top of the endpoint's layers). The layers below report to
// it: `stats` the load of each call, and each gate (failure accrual, circuit breaker, health
// checks, outlier ejection) whether it keeps the endpoint out of the balancer's live set. The
// endpoint is healthy while no gate keeps it out, and available to the balancer when healthy, or
// in the client's panic mode when only health verdicts keep it out (panic_mode.h).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "scales/balancer/node.h"
#include "scales/client/client_metrics.h"
#include "scales/core/service.h"
#include "scales/metrics/client_status.h"
#include "scales/pool/pool.h"
#include "scales/resilience/outlier_detector.h"
#include "scales/resilience/timeout.h"

namespace scales::client {
namespace endpoint {
class WatcherRun;
}

// What the balanced service needs of an endpoint's outlier gate.
class PanicMode;

class OutlierGate {
 public:
  virtual ~OutlierGate() = default;
  // The interval's counts, starting a fresh interval.
  virtual resilience::OutlierSample takeSample() = 0;
  virtual void eject(Duration how_long, int times) = 0;
  virtual int timesEjected() const = 0;
};

class EndpointNode final : public balancer::Node,
                           public RpcService,
                           public std::enable_shared_from_this<EndpointNode> {
 public:
  EndpointNode(discovery::Endpoint endpoint, Duration ewma_decay,
               const std::shared_ptr<const ClientMetrics>& metrics);

  // The endpoint's layers, top first (set once, right after construction).
  void setLayers(std::unique_ptr<RpcService> top);
  // The endpoint's pool, shared with the bottom of its layers (a user's layer above may drop
  // it); the outlier gate, when the built-in one is in the stack.
  void setPool(std::shared_ptr<pool::Pool> pool) { pool_ = std::move(pool); }
  void setOutlierGate(OutlierGate* gate) { outlier_gate_ = gate; }
  void setPanicMode(std::shared_ptr<PanicMode> panic) { panic_ = std::move(panic); }
  // Each call counts there until it completes (a graceful close waits for them).
  void countCallsIn(std::shared_ptr<resilience::CallsInFlight> in_flight) {
    in_flight_ = std::move(in_flight);
  }

  // The call keeps the node (and so its layers) alive until it completes: discovery may drop
  // the node while calls are still out.
  void call(Request&& request, Handler&& handler) override;
  void close() override;
  // A call ended (the watchers at the top of the layers tell it, endpoint/watcher.h).
  void callEnded() {
    if (in_flight_) in_flight_->leave();
  }

  size_t connections() const override { return pool_ ? pool_->size() : 0; }
  const pool::Pool* pool() const { return pool_.get(); }
  pool::Pool* pool() { return pool_.get(); }
  OutlierGate* outlierGate() const { return outlier_gate_; }
  EndpointMetrics* metrics() const { return metrics_.get(); }
  const std::string& address() const { return address_; }

  // A gate keeps the endpoint out (saying why), or lets it back in. `panic_may_override`: the
  // verdict is a judgement (health checks, ejection, failures counted on calls) that panic mode
  // sets aside; not for an open breaker, or an endpoint that refuses connections. Taken out again
  // by the same gate for the same reason, the last error keeps its time (the page shows how long
  // it has been out). Gates are named by literals: no call allocates.
  void takeOut(std::string_view gate, std::string why, bool panic_may_override = true);
  void putBack(std::string_view gate);
  // A gate keeps the endpoint out only while its one trial call is in flight (a half-open
  // breaker's probe): not a failure, so the last error and its time stand, and the page shows
  // probation. putBack() or takeOut() ends it.
  void holdForProbe(std::string_view gate);
  // Why the endpoint was last taken out (for errors when every endpoint is out).
  const std::string& lastFailure() const { return last_failure_; }
  // No gate keeps the endpoint out.
  bool healthy() const { return out_.empty(); }
  // Sets availability anew (the panic mode began or ended).
  void reconsider();
  // A gate let the endpoint back in on trial (failure accrual after its backoff, a half-open
  // breaker), or the trial ended: only what the admin page shows, the balancer never asks.
  // Gates call it when their trial begins or ends, not per call.
  void setProbation(std::string_view gate, bool on);
  // The endpoint as the admin page shows it (scales/metrics/client_status.h).
  metrics::EndpointStatus describe(Clock::time_point now) const;
  // Just its state's name (describe()'s `state`), without copying anything: the page counts
  // every endpoint's state, and describes only the first ones of a large set.
  std::string_view stateName() const;
  // Adds the endpoint's latency histogram to `sum`.
  void addLatencyTo(metrics::HistogramSnapshot& sum) const;

 private:
  void refresh();

  std::string address_;
  std::unique_ptr<EndpointMetrics> metrics_;
  std::unique_ptr<RpcService> top_;
  // top_, when it is a run of watchers: then each call's one record there also holds the node.
  endpoint::WatcherRun* watchers_ = nullptr;
  std::shared_ptr<pool::Pool> pool_;
  OutlierGate* outlier_gate_ = nullptr;
  std::shared_ptr<PanicMode> panic_;
  std::shared_ptr<resilience::CallsInFlight> in_flight_;  // null: not counted
  bool was_healthy_ = true;
  struct Out {
    std::string why;
    bool panic_may_override = true;
    bool probe = false;  // holdForProbe(): out only while its trial call is in flight
  };
  // By gate; transparent, so a gate named by a literal is looked up without a std::string.
  std::map<std::string, Out, std::less<>> out_;
  std::set<std::string, std::less<>> probation_;  // gates trying the endpoint again
  std::string last_failure_;
  metrics::WallTime last_failure_at_{};
};

}  // namespace scales::client

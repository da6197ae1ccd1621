// SPDX-License-Identifier: Apache-2.0
// NodeService: one endpoint of the client stack. It runs calls through the endpoint's concurrency
// limit and pool, records each attempt in the call's trace, and reports each call's start,
// finish and latency, and the endpoint's availability, to the balancer through its Node half.
// The endpoint is available unless one of four verdicts keeps it out:
//  - failure accrual: dead for a backoff after repeated failures (at once when unreachable),
//    then on probation;
//  - the circuit breaker (when configured): open for its reset timeout, then one probe call;
//  - active health checks (when configured): unhealthy until enough probes pass;
//  - outlier ejection (decided by the balanced service, which sees all endpoints).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "scales/balancer/node.h"
#include "scales/client/client_metrics.h"
#include "scales/health/health_check.h"
#include "scales/pool/pool.h"
#include "scales/resilience/circuit_breaker.h"
#include "scales/resilience/failure_accrual.h"
#include "scales/resilience/latency_window.h"
#include "scales/resilience/outlier_detector.h"

namespace scales::client {

struct NodeOptions {
  Duration ewma_decay = std::chrono::seconds(10);
  resilience::FailureAccrualOptions accrual;
  resilience::CircuitBreakerOptions breaker;
  health::HealthCheckOptions health;
  // Receives every successful call's latency (the client's window for backups and retries).
  std::shared_ptr<resilience::LatencyWindow> latencies;
  // Makes the endpoint's metrics.
  std::shared_ptr<const ClientMetrics> metrics;
};

class NodeService final : public balancer::Node,
                          public RpcService,
                          public std::enable_shared_from_this<NodeService> {
 public:
  // `service` is the pool, possibly behind a concurrency limit; `pool` is that same pool, read
  // for connection counts.
  NodeService(discovery::Endpoint endpoint, const NodeOptions& options,
              std::unique_ptr<RpcService> service, const pool::Pool* pool,
              boost::asio::any_io_executor executor);

  // Starts active health checks, if configured (they need shared_from_this).
  void start();

  size_t connections() const override { return pool_->size(); }

  void call(Request&& request, Handler&& handler) override;
  void close() override;

  const std::string& address() const { return address_; }
  const resilience::FailureAccrual& accrual() const { return accrual_; }
  const resilience::CircuitBreaker& breaker() const { return breaker_; }
  // Why the node was last taken out (for errors when every node is out).
  const std::string& lastFailure() const { return last_failure_; }

  // Outlier ejection: the interval's counts (and a fresh interval), and ejection.
  resilience::OutlierSample takeSample();
  void eject(Duration how_long, int times);
  int timesEjected() const { return times_ejected_; }

 private:
  void finished(const std::exception_ptr& error, Clock::time_point now, Duration took,
                Deadline deadline);
  void markedDead(const std::exception_ptr& error);
  void breakerOpened(const std::exception_ptr& error);
  void refreshAvailability();

  std::string address_;
  std::unique_ptr<RpcService> service_;
  const pool::Pool* pool_;
  std::shared_ptr<resilience::LatencyWindow> latencies_;
  resilience::FailureAccrual accrual_;
  resilience::CircuitBreaker breaker_;
  health::HealthCheckOptions health_options_;
  std::shared_ptr<health::HealthChecker> health_;
  boost::asio::steady_timer revive_timer_;
  boost::asio::steady_timer breaker_timer_;
  boost::asio::steady_timer eject_timer_;
  bool healthy_ = true;
  bool ejected_ = false;
  int times_ejected_ = 0;
  resilience::OutlierSample interval_;
  Duration interval_latency_{};
  std::string last_failure_;
  std::unique_ptr<EndpointMetrics> metrics_;
  boost::asio::any_io_executor executor_;
};

}  // namespace scales::client

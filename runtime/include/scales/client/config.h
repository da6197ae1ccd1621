// SPDX-License-Identifier: Apache-2.0
// ClientConfig: every knob of a client, with its default. The URI's query string may override the
// knobs listed in applyUriOptions(); anything else there is a ConfigError.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "scales/balancer/balancers.h"
#include "scales/core/deadline.h"
#include "scales/core/method_policy.h"
#include "scales/discovery/resolver.h"
#include "scales/health/health_check.h"
#include "scales/metrics/registry.h"
#include "scales/mux/client.h"
#include "scales/pool/pool.h"
#include "scales/resilience/backup.h"
#include "scales/resilience/circuit_breaker.h"
#include "scales/resilience/concurrency_limit.h"
#include "scales/resilience/failure_accrual.h"
#include "scales/resilience/outlier_detector.h"
#include "scales/resilience/retry.h"
#include "scales/resilience/retry_budget.h"
#include "scales/thrift/options.h"

namespace scales {

struct ClientConfig {
  // Out of line: g++ 12 at -O3 reports a false -Wmaybe-uninitialized (in std::function's
  // destructor) for an inlined temporary `ClientConfig{}`, e.g. make(uri)'s default argument.
  ClientConfig();
  // Names the client in metrics (the "service" label); empty: the IDL service's name for
  // generated clients, else the URI.
  std::string name;
  // Where the client records its metrics; null: metrics::defaultRegistry().
  metrics::Registry* metrics = nullptr;
  // Whole-call budget, from the call until its reply (scales' ThriftMux default: 10 s).
  Duration timeout = std::chrono::seconds(10);
  // Budget for opening one TCP connection (Finagle's default: 1 s).
  Duration connect_timeout = std::chrono::seconds(1);
  // A name from the balancer registry (scales/balancer/balancers.h); aperture as in scales.
  static constexpr const char* kDefaultBalancer = "aperture";
  std::string balancer = kDefaultBalancer;
  balancer::BalancerOptions balancer_options;
  // Ring hash: the argument whose value keys each call (integer, enum or string arguments); calls
  // without it use an explicit scales::HashKeyScope, or a random key.
  std::string hash_field;
  // Resolver knobs: ZooKeeper session timeout, first-resolution timeout, DNS refresh and servers.
  discovery::ResolverOptions discovery;
  // Framed Thrift: exclusive connections per endpoint. (Mux uses one session per endpoint.)
  pool::WatermarkPoolOptions pool;
  // When an endpoint counts as dead, for how long, and how it comes back.
  resilience::FailureAccrualOptions failure_accrual;
  // A classic per-endpoint circuit breaker (default: off; accrual does the job).
  resilience::CircuitBreakerOptions breaker;
  // Active probes of every endpoint (default: none).
  health::HealthCheckOptions health_check;
  // Ejecting endpoints much worse than their peers (default: off).
  resilience::OutlierOptions outliers;
  // Calls in flight per endpoint (default: unlimited), and the queue beyond that.
  resilience::ConcurrencyLimitOptions concurrency;
  // Requeues, retries, their backoff and per-attempt timeouts.
  resilience::RetryOptions retry;
  // Hedged requests (default: off).
  resilience::BackupOptions backup;
  // Bounds every extra attempt: requeues, retries and backup requests.
  resilience::RetryBudgetOptions retry_budget;
  // Per-method policy over the IDL's annotations (scales.idempotent, scales.timeout_ms,
  // scales.retryable), keyed by method name.
  std::map<std::string, MethodOverride> methods;
  thrift::ThriftOptions thrift;
  mux::ClientOptions mux;  // connect_timeout and max_frame_bytes come from the fields above
  // The executor the client runs on; empty: the client starts its own one-thread event loop.
  std::optional<boost::asio::any_io_executor> executor;
};

// Applies the URI's query options (README, "Configuration": one key per knob, e.g.
// ?balancer=p2c_ewma&timeout_ms=200). Throws ConfigError naming an unknown key (and the valid
// ones) or a bad value.
void applyUriOptions(const discovery::Uri& uri, ClientConfig& config);

}  // namespace scales

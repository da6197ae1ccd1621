// SPDX-License-Identifier: Apache-2.0
// ClientConfig: the client stack's settings, the same for every protocol (discovery, balancer,
// pool, resilience, metrics), with their defaults. Each protocol's own options (Thrift, HTTP,
// Redis, Kafka) live with that protocol. A URI's query may set both: parseClientUri()
// (scales/client/uri_options.h); docs/configuration.md lists every knob and URI key.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "scales/balancer/balancers.h"
#include "scales/client/layers.h"
#include "scales/core/deadline.h"
#include "scales/core/method_policy.h"
#include "scales/discovery/resolver.h"
#include "scales/health/health_check.h"
#include "scales/metrics/registry.h"
#include "scales/pool/pool.h"
#include "scales/resilience/backup.h"
#include "scales/resilience/circuit_breaker.h"
#include "scales/resilience/concurrency_limit.h"
#include "scales/resilience/failure_accrual.h"
#include "scales/resilience/outlier_detector.h"
#include "scales/resilience/retry.h"
#include "scales/resilience/retry_budget.h"
#include "scales/transport/tls.h"

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
  // How long close() (and the destructor) lets calls in flight finish before closing the
  // connections under them; new calls are refused with UsageError from the start of close().
  Duration drain_timeout = std::chrono::seconds(5);
  // Warm connections: open each endpoint's connections as it appears (the Mux session, handshake
  // and all; framed and HTTP pools up to pool.low_watermark) instead of on its first call.
  bool preconnect = false;
  // Budget for opening one TCP connection (Finagle's default: 1 s).
  Duration connect_timeout = std::chrono::seconds(1);
  // TLS to every endpoint (?tls=true and the tls_* keys): CA, client certificate for mutual
  // TLS, server name, verification, pinned server identities. Default: plaintext.
  transport::TlsClientOptions tls{};
  // A name from the balancer registry (scales/balancer/balancers.h); empty: the protocol's
  // default (aperture, as in scales; ring_hash for Redis).
  std::string balancer;
  balancer::BalancerOptions balancer_options;
  // Envoy's panic threshold: while fewer than this share of the endpoints are healthy (no
  // failure accrual, health check or outlier ejection keeps them out), the balancer spreads
  // calls over every endpoint rather than piling them onto the few healthy ones or failing fast:
  // a health verdict that is wrong everywhere must not become an outage. An open circuit breaker
  // still refuses. 0 turns it off (with every endpoint out, calls fail fast); 1 ignores health
  // whenever any endpoint is out.
  double panic_threshold = 0.5;
  // Resolver knobs: ZooKeeper session timeout, first-resolution timeout, DNS refresh and servers.
  discovery::ResolverOptions discovery;
  // Exclusive connections per endpoint (framed Thrift, HTTP); multiplexed and pipelined
  // protocols use one connection per endpoint and only read max_waiters.
  pool::WatermarkPoolOptions pool;
  // A name from the pool registry (scales/pool/pool.h); empty: the protocol's default
  // (singleton for Mux and pipelined connections, watermark for exclusive ones).
  std::string pool_kind;
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
  // scales.retryable, scales.failure), keyed by method name.
  std::map<std::string, MethodOverride> methods;
  // The client's own reply classification, asked before the protocol's (which makes HTTP 5xx,
  // some Redis errors and Thrift exceptions marked scales.failure failures): e.g. to count a
  // 404 from one method as a failure. Returning nullopt leaves a reply to the protocol.
  CustomClassifier classify;
  // The user's layers, and changes to the built-in ones (scales/client/layers.h).
  client::LayerEdits layers;
  // The executor the client runs on; empty: the client starts its own one-thread event loop.
  std::optional<boost::asio::any_io_executor> executor;

  // Checks every setting at once (names in the registries, ranges, combinations); throws
  // ConfigError naming the first bad one. Clients call it before building anything.
  void validate() const;
};

}  // namespace scales

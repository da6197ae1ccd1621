// SPDX-License-Identifier: Apache-2.0
// What a client records, under {service=<ClientConfig::name>} and, per endpoint, also
// {endpoint=host:port}:
//   per endpoint: requests, successes, failures{error=<type>}, latency_us (histogram), pending,
//                 connections, pool_waiters, available (1/0), state_changes (taken out of or
//                 put back in the balancer's live set); over Mux also mux_pings,
//                 mux_ping_rtt_us and mux_drains;
//   per client:   calls, requeues, retries, backups, budget_exhausted, timeouts, and the
//                 balancer's balancer_size, balancer_live, balancer_aperture.
// The metrics registry (scales/metrics/) rolls endpoints up to the service when exporting.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "scales/metrics/registry.h"
#include "scales/resilience/retry_budget.h"

namespace scales::client {

struct EndpointMetrics {
  EndpointMetrics(metrics::Registry& registry, metrics::Labels labels);
  // The failure counter for an error type (made on the first such failure).
  void failed(const std::string& type);

  metrics::Registry& registry;
  metrics::Labels labels;
  std::shared_ptr<metrics::Counter> requests, successes, state_changes;
  std::shared_ptr<metrics::Gauge> pending, connections, pool_waiters, available;
  std::shared_ptr<metrics::Histogram> latency;
  std::map<std::string, std::shared_ptr<metrics::Counter>> failures;
};

struct ClientMetrics {
  ClientMetrics(metrics::Registry& registry, const std::string& service);
  std::unique_ptr<EndpointMetrics> endpoint(const std::string& address) const;

  metrics::Registry& registry;
  metrics::Labels labels;
  std::shared_ptr<resilience::AttemptCounters> attempts;
  std::shared_ptr<metrics::Counter> timeouts;
  std::shared_ptr<metrics::Gauge> balancer_size, balancer_live, balancer_aperture;
  std::shared_ptr<metrics::Gauge> balancer_warming;  // endpoints in slow start
  // 1 while too few endpoints are healthy and calls spread over all (ClientConfig's
  // panic_threshold); how many times that began.
  std::shared_ptr<metrics::Gauge> panic;
  std::shared_ptr<metrics::Counter> panics;
};

}  // namespace scales::client

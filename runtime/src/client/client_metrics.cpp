// SPDX-License-Identifier: Apache-2.0
#include "scales/client/client_metrics.h"

namespace scales::client {

EndpointMetrics::EndpointMetrics(metrics::Registry& r, metrics::Labels l)
    : registry(r),
      labels(std::move(l)),
      requests(registry.counter("requests", labels)),
      successes(registry.counter("successes", labels)),
      state_changes(registry.counter("state_changes", labels)),
      pending(registry.gauge("pending", labels)),
      connections(registry.gauge("connections", labels)),
      pool_waiters(registry.gauge("pool_waiters", labels)),
      available(registry.gauge("available", labels)),
      latency(registry.histogram("latency_us", labels)) {
  available->set(1);
}

void EndpointMetrics::failed(const std::string& type) {
  auto& counter = failures[type];
  if (!counter) {
    auto with_type = labels;
    with_type.emplace_back("error", type);
    counter = registry.counter("failures", std::move(with_type));
  }
  counter->add();
}

ClientMetrics::ClientMetrics(metrics::Registry& r, const std::string& service)
    : registry(r),
      labels{{"service", service}},
      attempts(std::make_shared<resilience::AttemptCounters>(registry, labels)),
      timeouts(registry.counter("timeouts", labels)),
      balancer_size(registry.gauge("balancer_size", labels)),
      balancer_live(registry.gauge("balancer_live", labels)),
      balancer_aperture(registry.gauge("balancer_aperture", labels)),
      balancer_warming(registry.gauge("balancer_warming", labels)),
      panic(registry.gauge("balancer_panic", labels)),
      panics(registry.counter("balancer_panics", labels)) {}

std::unique_ptr<EndpointMetrics> ClientMetrics::endpoint(const std::string& address) const {
  auto with_endpoint = labels;
  with_endpoint.emplace_back("endpoint", address);
  return std::make_unique<EndpointMetrics>(registry, std::move(with_endpoint));
}

}  // namespace scales::client

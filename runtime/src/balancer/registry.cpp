// SPDX-License-Identifier: Apache-2.0
// Every built-in balancer, one line each. Add a policy here and in balancers.h.
#include "scales/balancer/balancers.h"

namespace scales::balancer {

const Registry<BalancerFactory>& balancerRegistry() {
  static const Registry<BalancerFactory> registry = [] {
    Registry<BalancerFactory> r("balancer");
    r.add("aperture", balancers::aperture);
    r.add("deterministic_aperture", balancers::deterministicAperture);
    r.add("first_live", balancers::firstLive);
    r.add("heap", balancers::heap);
    r.add("last_live", balancers::lastLive);
    r.add("least_connections", balancers::leastConnections);
    r.add("p2c", balancers::p2c);
    r.add("p2c_ewma", balancers::p2cEwma);
    r.add("priority_weighted", balancers::priorityWeighted);
    r.add("random", balancers::random);
    r.add("ring_hash", balancers::ringHash);
    r.add("round_robin", balancers::roundRobin);
    r.add("weighted_round_robin", balancers::weightedRoundRobin);
    return r;
  }();
  return registry;
}

std::unique_ptr<Balancer> makeBalancer(std::string_view name, const BalancerOptions& options) {
  return balancerRegistry().get(name)(options);
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Every built-in balancer, one line each. Add a policy here and in balancers.h.
#include "scales/balancer/balancers.h"

namespace scales::balancer {

const Registry<BalancerFactory>& balancerRegistry() {
  static const Registry<BalancerFactory> registry = [] {
    Registry<BalancerFactory> r("balancer");
    r.add("round_robin", balancers::roundRobin);
    return r;
  }();
  return registry;
}

std::unique_ptr<Balancer> makeBalancer(std::string_view name) {
  return balancerRegistry().get(name)();
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Every built-in balancer, one line each; users add theirs with registerBalancer().
#include "scales/balancer/balancers.h"

namespace scales::balancer {

namespace {
// Never destroyed: clients may still look names up while statics are torn down.
Registry<BalancerFactory>& registry() {
  static auto* r = [] {
    auto* table = new Registry<BalancerFactory>("balancer");
    table->add("aperture", balancers::aperture);
    table->add("deterministic_aperture", balancers::deterministicAperture);
    table->add("first_live", balancers::firstLive);
    table->add("heap", balancers::heap);
    table->add("last_live", balancers::lastLive);
    table->add("least_connections", balancers::leastConnections);
    table->add("least_loaded_of_k", balancers::leastLoadedOfK);
    table->add("p2c", balancers::p2c);
    table->add("p2c_ewma", balancers::p2cEwma);
    table->add("priority_weighted", balancers::priorityWeighted);
    table->add("random", balancers::random);
    table->add("ring_hash", balancers::ringHash);
    table->add("round_robin", balancers::roundRobin);
    table->add("weighted_round_robin", balancers::weightedRoundRobin);
    return table;
  }();
  return *r;
}
}  // namespace

const Registry<BalancerFactory>& balancerRegistry() { return registry(); }

void registerBalancer(std::string name, BalancerFactory factory) {
  registry().add(std::move(name), std::move(factory));
}

std::unique_ptr<Balancer> makeBalancer(std::string_view name, const BalancerOptions& options) {
  auto balancer = balancerRegistry().get(name)(options);
  // Policies without shares: a key's node, or the first live one, must stay that.
  bool shares = name != "ring_hash" && name != "first_live" && name != "last_live";
  if (options.slow_start.window > Duration::zero() && shares) {
    balancer = withSlowStart(std::move(balancer), options);
  }
  return balancer;
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Constructors of the built-in balancers, and the name -> constructor registry used by
// ClientConfig::balancer and the URI's ?balancer= option.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "scales/balancer/balancer.h"
#include "scales/core/registry.h"

namespace scales::balancer {

using BalancerFactory = std::function<std::unique_ptr<Balancer>()>;

namespace balancers {
// Each available node in turn, starting at a random offset so that many clients do not all hit
// the first node first. Unavailable nodes are skipped unless every node is unavailable.
std::unique_ptr<Balancer> roundRobin();
}  // namespace balancers

const Registry<BalancerFactory>& balancerRegistry();
std::unique_ptr<Balancer> makeBalancer(std::string_view name);

}  // namespace scales::balancer

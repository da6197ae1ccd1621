// SPDX-License-Identifier: Apache-2.0
// Random: a uniformly random live node.
#include "detail/random.h"

#include "detail/live_set.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class Random final : public detail::LiveSetBalancer {
 public:
  explicit Random(const BalancerOptions& options) : rng_(options.seed) {}

  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    return nodes.empty() ? nullptr : nodes[rng_.below(nodes.size())];
  }

 private:
  mutable detail::FastRandom rng_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::random(const BalancerOptions& options) {
  return std::make_unique<Random>(options);
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Priority-weighted (SRV semantics): the lowest priority value that has a live node takes every
// call, split among that tier's live nodes in proportion to their weights. When the whole tier is
// down, the next tier takes over.
#include <algorithm>
#include <limits>

#include "detail/live_set.h"
#include "detail/random.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class PriorityWeighted final : public detail::LiveSetBalancer {
 public:
  explicit PriorityWeighted(const BalancerOptions& options) : rng_(options.seed) {}

  Node* pick(const PickContext&) const override {
    if (tier_.empty()) return nullptr;
    double point = rng_.unit() * cumulative_.back();
    size_t i =
        std::upper_bound(cumulative_.begin(), cumulative_.end(), point) - cumulative_.begin();
    return tier_[std::min(i, tier_.size() - 1)];
  }

 private:
  void rebuilt() override {
    tier_.clear();
    cumulative_.clear();
    const auto& nodes = candidates();
    int best = std::numeric_limits<int>::max();
    for (Node* node : nodes) best = std::min(best, node->endpoint().priority);
    double sum = 0;
    for (Node* node : nodes) {
      if (node->endpoint().priority != best) continue;
      tier_.push_back(node);
      sum += std::max(0.0, node->endpoint().weight);
      cumulative_.push_back(sum);
    }
    // All weights zero: split evenly rather than send everything to the tier's first node.
    if (sum == 0) {
      for (size_t i = 0; i < cumulative_.size(); ++i) cumulative_[i] = static_cast<double>(i + 1);
    }
  }

  mutable detail::FastRandom rng_;
  std::vector<Node*> tier_;
  std::vector<double> cumulative_;  // running weight sums over tier_
};

}  // namespace

std::unique_ptr<Balancer> balancers::priorityWeighted(const BalancerOptions& options) {
  return std::make_unique<PriorityWeighted>(options);
}

}  // namespace scales::balancer

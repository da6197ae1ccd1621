// SPDX-License-Identifier: Apache-2.0
// Smooth weighted round robin (nginx's): every pick adds each node's weight to its running score,
// takes the highest score and subtracts the total from it. Weights 5:2:3 come out interleaved
// (a b c a a b c a b a ...), never as a burst of five a's.
#include "detail/live_set.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class WeightedRoundRobin final : public detail::LiveSetBalancer {
 public:
  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    if (nodes.empty()) return nullptr;
    size_t best = 0;
    for (size_t i = 0; i < nodes.size(); ++i) {
      score_[i] += weight(*nodes[i]);
      if (score_[i] > score_[best]) best = i;
    }
    score_[best] -= total_;
    return nodes[best];
  }

 private:
  static double weight(const Node& node) {
    return node.endpoint().weight > 0 ? node.endpoint().weight : 0;
  }

  void rebuilt() override {
    score_.assign(candidates().size(), 0.0);
    total_ = 0;
    for (Node* node : candidates()) total_ += weight(*node);
  }

  mutable std::vector<double> score_;  // sized at rebuild: picks never allocate
  double total_ = 0;
};

}  // namespace

std::unique_ptr<Balancer> balancers::weightedRoundRobin(const BalancerOptions&) {
  return std::make_unique<WeightedRoundRobin>();
}

}  // namespace scales::balancer

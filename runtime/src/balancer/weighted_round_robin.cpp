// SPDX-License-Identifier: Apache-2.0
// Weighted round robin as earliest deadline first (Envoy's scheduler): each node is due again
// 1/weight after its last turn, and a pick takes the node due soonest from a min-heap, so it
// costs O(log n) where nginx's smooth round robin scans every node (8 µs a pick at 10,000). The
// order is as smooth: weights 5:2:3 come out interleaved (a c a b a c a b c a ...), never as a
// burst of five a's, and every period of 10 picks gives 5, 2 and 3.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

#include "detail/live_set.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class WeightedRoundRobin final : public detail::LiveSetBalancer {
 public:
  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    if (nodes.empty()) return nullptr;
    std::pop_heap(due_.begin(), due_.end(), later);
    Turn& turn = due_.back();
    Node* picked = nodes[turn.index];
    turn.at += interval_[turn.index];
    turn.order = next_order_++;
    std::push_heap(due_.begin(), due_.end(), later);
    // Times only grow; before adding an interval to them loses precision, all move back by the
    // same whole number, which is exact below 2^53 and so keeps the heap's order.
    if (due_.front().at > rebase_at_) {
      double back = std::floor(due_.front().at);
      for (Turn& t : due_) t.at -= back;
    }
    return picked;
  }

 private:
  // When a node is next due; `order` breaks ties by who was scheduled first, so the sequence
  // does not depend on the heap's layout.
  struct Turn {
    double at;
    uint64_t order;
    uint32_t index;
  };
  static bool later(const Turn& a, const Turn& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
  }

  // Intervals are capped (weights below 2^-32 count as 2^-32), so times stay finite and a
  // rebase point 2^20 intervals out stays below 2^53.
  static constexpr double kMaxInterval = 4294967296.0;   // 2^32
  static constexpr double kRebaseIntervals = 1048576.0;  // 2^20

  static double weight(const Node& node) {
    double w = node.endpoint().weight;
    return w > 0 && std::isfinite(w) ? w : 0;  // NaN and infinity count as no weight
  }

  void rebuilt() override {
    const auto& nodes = candidates();
    // Nodes still here keep their place in the schedule (relative to the next turn), so a live
    // set that changes often does not restart it each time, which would favour the first nodes.
    std::unordered_map<const Node*, double> carried;
    if (!due_.empty()) {
      double now = due_.front().at;
      for (const Turn& t : due_) carried.emplace(scheduled_[t.index], t.at - now);
    }
    // Nodes of weight 0 get no turns, unless every node has weight 0: then all share alike.
    bool any_weight =
        std::any_of(nodes.begin(), nodes.end(), [](const Node* node) { return weight(*node) > 0; });
    due_.clear();
    interval_.assign(nodes.size(), 0.0);
    next_order_ = 0;
    double longest = 1;
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      double w = any_weight ? weight(*nodes[i]) : 1.0;
      if (w <= 0) continue;
      interval_[i] = std::min(1.0 / w, kMaxInterval);
      longest = std::max(longest, interval_[i]);
      auto it = carried.find(nodes[i]);
      due_.push_back({it != carried.end() ? it->second : interval_[i], next_order_++, i});
    }
    std::make_heap(due_.begin(), due_.end(), later);
    rebase_at_ = kRebaseIntervals * longest;
    scheduled_ = nodes;
  }

  // Sized at rebuild: picks never allocate. Mutable: a pick advances the schedule (balancers are
  // confined to their executor).
  mutable std::vector<Turn> due_;  // a min-heap on (at, order)
  std::vector<double> interval_;   // 1 / weight, by candidate index
  std::vector<Node*> scheduled_;   // the candidates `due_` indexes
  double rebase_at_ = kRebaseIntervals;
  mutable uint64_t next_order_ = 0;
};

}  // namespace

std::unique_ptr<Balancer> balancers::weightedRoundRobin(const BalancerOptions&) {
  return std::make_unique<WeightedRoundRobin>();
}

}  // namespace scales::balancer

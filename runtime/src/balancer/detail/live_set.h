// SPDX-License-Identifier: Apache-2.0
// The base of the balancers that choose among the live nodes: it keeps the node set and its live
// subset (rebuilt on updates and health changes, which are rare), so picks stay O(1) and skip
// dead nodes exactly. With no live node, picks choose among all (the caller decides to fail fast).
#pragma once

#include <vector>

#include "scales/balancer/balancer.h"

namespace scales::balancer::detail {

class LiveSetBalancer : public Balancer, public Picker {
 public:
  void update(const std::vector<Node*>& nodes) override {
    nodes_ = nodes;
    rebuild();
  }
  void nodeChanged(Node&) override { rebuild(); }
  const Picker& picker() const override { return *this; }
  BalancerStats stats() const override { return {nodes_.size(), live_.size(), nodes_.size()}; }

 protected:
  // The nodes a pick chooses among: the live ones, or every node when none is live.
  const std::vector<Node*>& candidates() const { return live_.empty() ? nodes_ : live_; }
  // Called after the node set or its live subset changed.
  virtual void rebuilt() {}

  std::vector<Node*> nodes_;  // in the resolver's order
  std::vector<Node*> live_;   // the available ones, same order

 private:
  void rebuild() {
    live_.clear();
    for (Node* node : nodes_) {
      if (node->available()) live_.push_back(node);
    }
    rebuilt();
  }
};

}  // namespace scales::balancer::detail

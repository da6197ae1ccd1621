// SPDX-License-Identifier: Apache-2.0
// Round robin: the simplest balancer, and the reference implementation of the Balancer contract.
#include <random>

#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class RoundRobinPicker final : public Picker {
 public:
  RoundRobinPicker(std::vector<Node*> nodes, size_t start)
      : nodes_(std::move(nodes)), next_(start) {}

  Node* pick(const PickContext&) const override {
    if (nodes_.empty()) return nullptr;
    size_t n = nodes_.size();
    for (size_t i = 0; i < n; ++i) {
      Node* node = nodes_[next_++ % n];
      if (node->available()) return node;
    }
    return nodes_[next_++ % n];  // all unavailable: the caller decides to fail fast
  }

 private:
  std::vector<Node*> nodes_;
  mutable size_t next_;  // executor-confined, so a plain counter suffices
};

class RoundRobin final : public Balancer {
 public:
  RoundRobin() : picker_(std::make_unique<RoundRobinPicker>(std::vector<Node*>{}, 0)) {}

  void update(const std::vector<Node*>& nodes) override {
    // A random start spreads the first calls of many clients (gRPC round_robin does the same).
    std::uniform_int_distribution<size_t> start(0, nodes.empty() ? 0 : nodes.size() - 1);
    picker_ = std::make_unique<RoundRobinPicker>(nodes, start(rng_));
  }
  void nodeChanged(Node&) override {}  // the picker reads availability at pick time
  const Picker& picker() const override { return *picker_; }

 private:
  std::minstd_rand rng_{std::random_device{}()};
  std::unique_ptr<RoundRobinPicker> picker_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::roundRobin() { return std::make_unique<RoundRobin>(); }

}  // namespace scales::balancer

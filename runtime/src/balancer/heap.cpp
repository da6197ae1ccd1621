// SPDX-License-Identifier: Apache-2.0
// Least loaded by a min-heap (Finagle's and scales' HeapBalancer): the node with the fewest calls
// out takes the next call; live nodes always sort before dead ones. Least connections is the same
// heap keyed by open connections first.
#include "detail/node_heap.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class HeapBalancer final : public Balancer, public Picker {
 public:
  HeapBalancer(detail::NodeHeap::KeyFn key, const BalancerOptions& options)
      : heap_(key, options.seed) {}

  void update(const std::vector<Node*>& nodes) override {
    heap_.clear();
    heap_.pushAll(nodes);
  }
  void nodeChanged(Node& node) override { heap_.fix(node); }
  void loadChanged(Node& node) override { heap_.fix(node); }
  const Picker& picker() const override { return *this; }
  Node* pick(const PickContext&) const override { return heap_.top(); }

  BalancerStats stats() const override {
    size_t live = 0;
    heap_.forEach([&](const Node& node) { live += node.available() ? 1 : 0; });
    return {heap_.size(), live, heap_.size()};
  }

 private:
  detail::NodeHeap heap_;
};

int64_t outstandingKey(const Node& node) { return node.outstanding(); }

int64_t connectionsKey(const Node& node) {
  return (static_cast<int64_t>(node.connections()) << 24) + node.outstanding();
}

}  // namespace

std::unique_ptr<Balancer> balancers::heap(const BalancerOptions& options) {
  return std::make_unique<HeapBalancer>(outstandingKey, options);
}

std::unique_ptr<Balancer> balancers::leastConnections(const BalancerOptions& options) {
  return std::make_unique<HeapBalancer>(connectionsKey, options);
}

}  // namespace scales::balancer

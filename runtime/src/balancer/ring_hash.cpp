// SPDX-License-Identifier: Apache-2.0
// Ring hash (consistent hashing, ketama-style): each endpoint owns ring_points x weight points,
// placed by a stable hash of its address, and a call goes to the owner of the first point at or
// after the hash of its key. Adding or removing one of n endpoints moves only the keys of the
// points it gains or loses, about 1/n of them. A dead owner passes its keys to the next live one
// on the ring, and gets them back when it revives.
#include <algorithm>
#include <cmath>

#include "detail/random.h"
#include "scales/balancer/balancers.h"
#include "scales/balancer/hash.h"

namespace scales::balancer {
namespace {

class RingHash final : public Balancer, public Picker {
 public:
  explicit RingHash(const BalancerOptions& options)
      : points_per_weight_(std::max<size_t>(1, options.ring_points)), rng_(options.seed) {}

  void update(const std::vector<Node*>& nodes) override {
    nodes_ = nodes;
    ring_.clear();
    for (Node* node : nodes) {
      double weight = std::max(0.0, node->endpoint().weight);
      auto points =
          static_cast<size_t>(std::lround(static_cast<double>(points_per_weight_) * weight));
      std::string name = node->endpoint().address() + "-";
      for (size_t i = 0; i < std::max<size_t>(1, points); ++i) {
        ring_.push_back({hashBytes(name + std::to_string(i)), node});
      }
    }
    // Ties (hash collisions) break by address, so every client builds the same ring.
    std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.node->endpoint() < b.node->endpoint();
    });
  }

  void nodeChanged(Node&) override {}  // picks walk past dead owners
  const Picker& picker() const override { return *this; }

  Node* pick(const PickContext& context) const override {
    if (ring_.empty()) return nullptr;
    uint64_t key = context.has_key ? context.key : rng_.next();
    auto it = std::lower_bound(ring_.begin(), ring_.end(), key,
                               [](const Point& p, uint64_t k) { return p.hash < k; });
    size_t start = static_cast<size_t>(it - ring_.begin()) % ring_.size();
    for (size_t i = 0; i < ring_.size(); ++i) {
      Node* node = ring_[(start + i) % ring_.size()].node;
      if (node->available()) return node;
    }
    return ring_[start].node;
  }

  BalancerStats stats() const override {
    size_t live = 0;
    for (Node* node : nodes_) live += node->available() ? 1 : 0;
    return {nodes_.size(), live, nodes_.size()};
  }

 private:
  struct Point {
    uint64_t hash;
    Node* node;
  };

  size_t points_per_weight_;
  mutable detail::FastRandom rng_;
  std::vector<Node*> nodes_;
  std::vector<Point> ring_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::ringHash(const BalancerOptions& options) {
  return std::make_unique<RingHash>(options);
}

}  // namespace scales::balancer

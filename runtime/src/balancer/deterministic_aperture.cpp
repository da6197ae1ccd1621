// SPDX-License-Identifier: Apache-2.0
// Deterministic aperture (Finagle's ring subsetting). Servers sit on a ring [0, 1) in a sorted
// order every client agrees on, each owning a slice of width 1/M; client i of N owns the ring
// range starting at i/N, widened by whole slices of 1/N to cover at least min_size servers. A pick
// draws two points in that range (so each server is chosen in proportion to its overlap with the
// range) and takes the less loaded server. Together the N clients cover the ring exactly evenly, so
// each server sees 1/M of the traffic and about N x width connections, whatever N and M are.
#include <algorithm>
#include <cmath>

#include "detail/random.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class DeterministicAperture final : public Balancer, public Picker {
 public:
  explicit DeterministicAperture(const BalancerOptions& options)
      : options_(options.deterministic), rng_(options.seed) {
    if (options_.instance_count <= 0 || options_.instance_id < 0 ||
        options_.instance_id >= options_.instance_count) {
      throw ConfigError("deterministic aperture needs 0 <= instance_id < instance_count (got " +
                        std::to_string(options_.instance_id) + " of " +
                        std::to_string(options_.instance_count) + ")");
    }
  }

  void update(const std::vector<Node*>& nodes) override {
    ring_ = nodes;
    std::sort(ring_.begin(), ring_.end(),
              [](const Node* a, const Node* b) { return a->endpoint() < b->endpoint(); });
    double m = static_cast<double>(ring_.size());
    double n = options_.instance_count;
    offset_ = options_.instance_id / n;
    double servers =
        std::min<double>(static_cast<double>(std::max<size_t>(1, options_.min_size)), m);
    // A whole number of client slices wide, so that every point of the ring is covered by the
    // same number of clients (Finagle rounds the same way) and the load stays even.
    double slices = std::ceil(std::max(1.0, m == 0 ? n : servers / m * n) - 1e-9);
    width_ = std::min(1.0, slices / n);
    // Servers whose slice the range touches.
    first_ = static_cast<size_t>(std::floor(offset_ * m));
    size_t last = static_cast<size_t>(std::ceil((offset_ + width_) * m));
    covered_ = ring_.empty() ? 0 : std::min(ring_.size(), last - first_);
  }

  void nodeChanged(Node&) override {}  // picks read availability
  const Picker& picker() const override { return *this; }

  Node* pick(const PickContext&) const override {
    if (ring_.empty()) return nullptr;
    Node* a = ring_[index(rng_.unit())];
    Node* b = ring_[index(rng_.unit())];
    if (a == b && covered_ > 1) b = ring_[index(rng_.unit())];
    Node* best = better(a, b);
    if (best->available()) return best;
    // Both draws were down: any live node of the range, then of the ring, rather than a dead one.
    for (size_t i = 0; i < ring_.size(); ++i) {
      Node* node = ring_[(first_ + i) % ring_.size()];
      if (node->available()) return node;
    }
    return best;
  }

  BalancerStats stats() const override {
    size_t live = 0;
    for (Node* node : ring_) live += node->available() ? 1 : 0;
    return {ring_.size(), live, covered_};
  }

 private:
  // A point u in [0, 1) of this client's range, mapped to the server owning it.
  size_t index(double u) const {
    double x = offset_ + u * width_;
    x -= std::floor(x);
    return std::min(ring_.size() - 1, static_cast<size_t>(x * static_cast<double>(ring_.size())));
  }

  static Node* better(Node* a, Node* b) {
    if (a->available() != b->available()) return a->available() ? a : b;
    return b->outstanding() < a->outstanding() ? b : a;
  }

  DeterministicApertureOptions options_;
  mutable detail::FastRandom rng_;
  std::vector<Node*> ring_;
  double offset_ = 0;
  double width_ = 1;
  size_t first_ = 0;
  size_t covered_ = 0;
};

}  // namespace

std::unique_ptr<Balancer> balancers::deterministicAperture(const BalancerOptions& options) {
  return std::make_unique<DeterministicAperture>(options);
}

}  // namespace scales::balancer

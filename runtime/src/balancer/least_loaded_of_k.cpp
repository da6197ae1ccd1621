// SPDX-License-Identifier: Apache-2.0
// Least loaded of k: samples k distinct live nodes and picks the one with the fewest calls out,
// ties broken at random (Floyd's sampling gives a uniform set, not a uniform order). p2c is k = 2;
// a larger k follows load more closely (the most loaded node a pick can land on is better bounded)
// at k draws per pick, and with k >= n it is the least loaded node overall.
#include <array>

#include "detail/live_set.h"
#include "detail/random.h"
#include "scales/balancer/balancers.h"
#include "scales/core/errors.h"

namespace scales::balancer {
namespace {

constexpr size_t kMaxChoices = 16;

class LeastLoadedOfK final : public detail::LiveSetBalancer {
 public:
  explicit LeastLoadedOfK(const BalancerOptions& options)
      : k_(options.least_loaded_choices), rng_(options.seed) {
    if (k_ < 2 || k_ > kMaxChoices) {
      throw ConfigError("least_loaded_of_k needs 2 <= least_loaded_choices <= 16 (got " +
                        std::to_string(k_) + ")");
    }
  }

  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    size_t n = nodes.size();
    if (n == 0) return nullptr;
    Least least{rng_};
    if (n <= k_) {  // every node is a candidate
      for (Node* node : nodes) least.offer(node);
      return least.best;
    }
    // Floyd's sampling of k distinct indices, without allocating.
    std::array<size_t, kMaxChoices> chosen{};
    size_t count = 0;
    for (size_t j = n - k_; j < n; ++j) {
      size_t t = rng_.below(j + 1);
      bool taken = false;
      for (size_t i = 0; i < count; ++i) taken = taken || chosen[i] == t;
      chosen[count++] = taken ? j : t;
      least.offer(nodes[chosen[count - 1]]);
    }
    return least.best;
  }

 private:
  // The least loaded node offered, a uniformly random one among equals (reservoir of ties).
  struct Least {
    detail::FastRandom& rng;
    Node* best = nullptr;
    size_t ties = 0;
    void offer(Node* node) {
      if (best == nullptr || node->outstanding() < best->outstanding()) {
        best = node;
        ties = 1;
      } else if (node->outstanding() == best->outstanding() && rng.below(++ties) == 0) {
        best = node;
      }
    }
  };

  size_t k_;
  mutable detail::FastRandom rng_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::leastLoadedOfK(const BalancerOptions& options) {
  return std::make_unique<LeastLoadedOfK>(options);
}

}  // namespace scales::balancer

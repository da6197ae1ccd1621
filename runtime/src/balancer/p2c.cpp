// SPDX-License-Identifier: Apache-2.0
// Power of two choices: the less loaded of two distinct random live nodes (Mitzenmacher; Finagle's
// default balancer). Two load measures: calls out (least loaded), and peak-EWMA latency x calls
// out (Finagle's p2cPeakEwma), which also steers away from a node that answers slowly.
#include "detail/live_set.h"
#include "detail/random.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

struct LeastLoaded {
  explicit LeastLoaded(const BalancerOptions&) {}
  double operator()(const Node& node) const { return node.outstanding(); }
};

struct PeakEwma {
  explicit PeakEwma(const BalancerOptions& options) : clock(options.clock) {}
  double operator()(const Node& node) const { return node.ewmaLoad(clock()); }
  std::function<Clock::time_point()> clock;
};

template <class Load>
class PowerOfTwoChoices final : public detail::LiveSetBalancer {
 public:
  explicit PowerOfTwoChoices(const BalancerOptions& options) : rng_(options.seed), load_(options) {}

  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    size_t n = nodes.size();
    if (n <= 1) return n == 0 ? nullptr : nodes[0];
    size_t a = rng_.below(n);
    size_t b = rng_.below(n - 1);
    if (b >= a) ++b;  // distinct without a retry loop
    return load_(*nodes[b]) < load_(*nodes[a]) ? nodes[b] : nodes[a];
  }

 private:
  mutable detail::FastRandom rng_;
  Load load_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::p2c(const BalancerOptions& options) {
  return std::make_unique<PowerOfTwoChoices<LeastLoaded>>(options);
}

std::unique_ptr<Balancer> balancers::p2cEwma(const BalancerOptions& options) {
  return std::make_unique<PowerOfTwoChoices<PeakEwma>>(options);
}

}  // namespace scales::balancer

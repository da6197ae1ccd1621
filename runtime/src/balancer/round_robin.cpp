// SPDX-License-Identifier: Apache-2.0
// Round robin: each live node in turn.
#include "detail/live_set.h"
#include "detail/random.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class RoundRobin final : public detail::LiveSetBalancer {
 public:
  explicit RoundRobin(const BalancerOptions& options) : rng_(options.seed) {}

  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    if (nodes.empty()) return nullptr;
    if (next_ >= nodes.size()) next_ = 0;
    return nodes[next_++];
  }

 private:
  // A random start spreads the first calls of many clients (gRPC's round_robin does the same).
  void rebuilt() override { next_ = candidates().empty() ? 0 : rng_.below(candidates().size()); }

  detail::FastRandom rng_;
  mutable size_t next_ = 0;  // executor-confined, so a plain counter suffices
};

}  // namespace

std::unique_ptr<Balancer> balancers::roundRobin(const BalancerOptions& options) {
  return std::make_unique<RoundRobin>(options);
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Ordered failover: every call goes to the first (or last) live node in the resolver's order, so
// a standby takes over only while the preferred node is down.
#include "detail/live_set.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class Ordered final : public detail::LiveSetBalancer {
 public:
  explicit Ordered(bool first) : first_(first) {}

  Node* pick(const PickContext&) const override {
    const auto& nodes = candidates();
    if (nodes.empty()) return nullptr;
    return first_ ? nodes.front() : nodes.back();
  }

 private:
  bool first_;
};

}  // namespace

std::unique_ptr<Balancer> balancers::firstLive(const BalancerOptions&) {
  return std::make_unique<Ordered>(true);
}

std::unique_ptr<Balancer> balancers::lastLive(const BalancerOptions&) {
  return std::make_unique<Ordered>(false);
}

}  // namespace scales::balancer

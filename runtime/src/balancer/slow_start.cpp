// SPDX-License-Identifier: Apache-2.0
// Slow start around any balancer: the inner balancer picks as it always does, and a pick that
// lands on a warming node is kept with the node's weight as probability, else the inner balancer
// picks again (so the call stays within its aperture and its load-aware choice). That thins a
// warming node's share under every policy that picks at random or in turn; a policy that picks
// the least loaded node outright (the heap, least_connections, aperture's heap) picks an idle
// newcomer again and again, and keeps it, until its load catches up.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

#include "detail/random.h"
#include "scales/balancer/balancers.h"
#include "scales/core/errors.h"

namespace scales::balancer {
namespace {

class SlowStartBalancer final : public Balancer, public Picker {
 public:
  SlowStartBalancer(std::unique_ptr<Balancer> inner, const BalancerOptions& options)
      : inner_(std::move(inner)),
        options_(options.slow_start),
        clock_(options.clock),
        random_(options.seed != 0 ? options.seed ^ 0x5105c0ffeeULL : 0) {}

  void update(const std::vector<Node*>& nodes) override {
    auto now = clock_();
    std::unordered_set<Node*> next(nodes.begin(), nodes.end());
    // A node joining a running set warms up; the first nodes a client sees start warm (there is
    // no one else to take their share).
    bool running = !known_.empty();
    for (auto it = warming_.begin(); it != warming_.end();) {
      it = next.count(it->first) ? std::next(it) : warming_.erase(it);
    }
    if (running) {
      for (Node* node : nodes) {
        if (!known_.count(node)) warming_[node] = now;
      }
    }
    known_ = std::move(next);
    inner_->update(nodes);
  }

  void nodeChanged(Node& node) override {
    // Back from being out: warm up again.
    if (node.available() && known_.count(&node)) warming_[&node] = clock_();
    inner_->nodeChanged(node);
  }

  void loadChanged(Node& node) override { inner_->loadChanged(node); }
  const Picker& picker() const override { return *this; }
  BalancerStats stats() const override {
    auto stats = inner_->stats();
    auto now = clock_();
    for (const auto& [node, since] : warming_) stats.warming += now - since < options_.window;
    return stats;
  }

  Node* pick(const PickContext& context) const override {
    const Picker& inner = inner_->picker();
    Node* picked = inner.pick(context);
    if (warming_.empty() || picked == nullptr) return picked;
    auto now = clock_();
    for (int tries = 0; tries < 4; ++tries) {
      double weight = weightOf(picked, now);
      if (weight >= 1.0 || random_.unit() < weight) return picked;
      picked = inner.pick(context);
    }
    return picked;
  }

 private:
  // The node's share of its full weight now; 1 once warm (when it stops being tracked).
  double weightOf(Node* node, Clock::time_point now) const {
    auto it = warming_.find(node);
    if (it == warming_.end()) return 1.0;
    double t = std::chrono::duration<double>(now - it->second).count() /
               std::chrono::duration<double>(options_.window).count();
    if (t >= 1.0) {
      warming_.erase(it);  // erasing never allocates: picks may do it
      return 1.0;
    }
    double ramp = t <= 0 ? 0.0 : std::pow(t, 1.0 / options_.aggression);
    return std::max(options_.min_weight, ramp);
  }

  std::unique_ptr<Balancer> inner_;
  SlowStartOptions options_;
  std::function<Clock::time_point()> clock_;
  mutable detail::FastRandom random_;
  std::unordered_set<Node*> known_;
  mutable std::unordered_map<Node*, Clock::time_point> warming_;  // node -> since when
};

}  // namespace

void SlowStartOptions::validate() const {
  if (window < Duration::zero()) throw ConfigError("slow_start_window_ms must not be negative");
  if (!(aggression > 0)) throw ConfigError("slow_start_aggression must be above 0");
  if (!(min_weight > 0 && min_weight <= 1)) {
    throw ConfigError("slow_start_min_weight must be in (0, 1]");
  }
}

std::unique_ptr<Balancer> withSlowStart(std::unique_ptr<Balancer> inner,
                                        const BalancerOptions& options) {
  return std::make_unique<SlowStartBalancer>(std::move(inner), options);
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Aperture (scales' default, after Finagle's original): the least-loaded heap over only the first
// k nodes of a shuffled order. A load band sizes k: when the smoothed calls-out per node in the
// aperture rises above high_load, the next node joins; when it falls below low_load, the last one
// leaves. Few connections when traffic is light, every node when it is heavy. The smoothed load
// follows a rise at once and a fall over smooth_window, so bursts widen the aperture immediately.
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "detail/node_heap.h"
#include "detail/random.h"
#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

class Aperture final : public Balancer, public Picker {
 public:
  explicit Aperture(const BalancerOptions& options)
      : band_(options.aperture),
        clock_(options.clock),
        rng_(options.seed),
        heap_([](const Node& node) -> int64_t { return node.outstanding(); },
              options.seed ^ 0x5bd1e995) {
    band_.min_size = std::max<size_t>(1, band_.min_size);
    band_.max_size = std::max(band_.min_size, band_.max_size);
  }

  void update(const std::vector<Node*>& nodes) override {
    // Survivors keep their place in the order (their connections stay warm); newcomers go to
    // random positions so that many clients do not all open the same ones.
    std::unordered_set<Node*> incoming(nodes.begin(), nodes.end());
    std::unordered_set<Node*> kept;
    std::vector<Node*> next;
    next.reserve(nodes.size());
    for (Node* node : order_) {
      if (incoming.count(node)) {
        next.push_back(node);
        kept.insert(node);
      }
    }
    for (Node* node : nodes) {
      if (!kept.insert(node).second) continue;
      next.push_back(node);
      std::swap(next.back(), next[rng_.below(next.size())]);  // an inside-out shuffle step
    }
    order_ = std::move(next);
    size_t k = std::clamp(std::max(size_, band_.min_size), size_t{1}, band_.max_size);
    rebuild(std::min(k, order_.size()));
  }

  void nodeChanged(Node& node) override {
    if (!heap_.contains(node)) return;
    heap_.fix(node);
    // A node of the aperture went down: bring in a replacement rather than lose capacity.
    if (!node.available()) grow();
  }

  void loadChanged(Node& node) override {
    if (!heap_.contains(node)) return;
    heap_.fix(node);
    adjust();
  }

  const Picker& picker() const override { return *this; }
  Node* pick(const PickContext&) const override { return heap_.top(); }

  BalancerStats stats() const override {
    size_t live = 0;
    for (Node* node : order_) live += node->available() ? 1 : 0;
    return {order_.size(), live, size_};
  }

 private:
  void rebuild(size_t k) {
    heap_.clear();
    size_ = 0;
    // The first k in the order, live ones first.
    std::stable_partition(order_.begin(), order_.end(),
                          [](const Node* node) { return node->available(); });
    while (size_ < k) grow();
  }

  // The EMA of the aperture's calls out, per node, against the band.
  void adjust() {
    // An aperture that can neither grow nor shrink (every node already in it, or at the most it
    // may hold, and at the least) has nothing to decide: a client of one server skips the clock
    // read and the arithmetic, twice per call. The average picks up from its last value, decayed
    // by the time since, once there is a choice again.
    bool can_grow = size_ < band_.max_size && size_ < order_.size();
    if (!can_grow && size_ <= band_.min_size) return;
    auto now = clock_();
    double elapsed = std::chrono::duration<double>(now - stamp_).count();
    double window = std::chrono::duration<double>(band_.smooth_window).count();
    // The clock is coarse: most changes land in the same tick, where the weight is exactly 1.
    double w = stamp_ == Clock::time_point{} ? 0.0
               : elapsed <= 0.0              ? 1.0
                                             : std::exp(-elapsed / window);
    stamp_ = now;
    double sample = static_cast<double>(heap_.totalOutstanding());
    // Peak-sensitive, like peak EWMA: a burst widens the aperture at once (a plain 5 s average
    // would leave a burst of calls queued on one node for seconds), while shrinking waits for the
    // load to stay low over the window.
    load_ = sample > load_ ? sample : sample * (1.0 - w) + load_ * w;
    double per_node = size_ == 0 ? band_.high_load : load_ / static_cast<double>(size_);
    if (per_node >= band_.high_load && size_ < band_.max_size) {
      grow();
    } else if (per_node <= band_.low_load && size_ > band_.min_size) {
      shrink();
    }
  }

  // Brings the next node of the order in, preferring a live one.
  void grow() {
    if (size_ >= order_.size()) return;
    auto live = std::find_if(order_.begin() + static_cast<std::ptrdiff_t>(size_), order_.end(),
                             [](const Node* node) { return node->available(); });
    if (live != order_.end())
      std::iter_swap(order_.begin() + static_cast<std::ptrdiff_t>(size_), live);
    heap_.push(*order_[size_]);
    ++size_;
  }

  // Drops the last node of the aperture, or a dead one if there is one.
  void shrink() {
    size_t victim = size_ - 1;
    for (size_t i = 0; i < size_; ++i) {
      if (!order_[i]->available()) victim = i;
    }
    std::swap(order_[victim], order_[size_ - 1]);
    heap_.remove(*order_[size_ - 1]);
    --size_;
  }

  ApertureOptions band_;
  std::function<Clock::time_point()> clock_;
  detail::FastRandom rng_;
  detail::NodeHeap heap_;
  std::vector<Node*> order_;  // the aperture is order_[0, size_)
  size_t size_ = 0;
  double load_ = 0;  // EMA of the aperture's calls out
  Clock::time_point stamp_{};
};

}  // namespace

std::unique_ptr<Balancer> balancers::aperture(const BalancerOptions& options) {
  if (options.deterministic.instance_count > 0) return deterministicAperture(options);
  return std::make_unique<Aperture>(options);
}

}  // namespace scales::balancer

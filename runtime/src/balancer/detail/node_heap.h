// SPDX-License-Identifier: Apache-2.0
// A binary min-heap of nodes by a load key, with each node's position kept in its balancer_slot
// so a load change re-sorts that node in O(log n). Unavailable nodes carry a penalty that sinks
// them below every live one. Equal keys are ordered by when the node last went idle (least
// recently first), so sequential calls rotate over idle nodes instead of always hitting the same
// one (Finagle's heap swaps an idle node to a random position for the same reason); nodes join in
// a random order, so clients do not all rotate in step.
#pragma once

#include <cstdint>
#include <vector>

#include "random.h"
#include "scales/balancer/node.h"

namespace scales::balancer::detail {

class NodeHeap {
 public:
  using KeyFn = int64_t (*)(const Node&);

  NodeHeap(KeyFn load, uint64_t seed) : key_(load), rng_(seed) {}

  bool contains(const Node& node) const {
    return node.balancer_slot < heap_.size() && heap_[node.balancer_slot].node == &node;
  }
  Node* top() const { return heap_.empty() ? nullptr : heap_.front().node; }
  size_t size() const { return heap_.size(); }
  // Sum of outstanding calls over the nodes in the heap, as of their last fix().
  int64_t totalOutstanding() const { return total_; }

  void clear() {
    heap_.clear();
    total_ = 0;
  }

  // Adds nodes in a random order (their first tie order).
  void pushAll(const std::vector<Node*>& nodes) {
    std::vector<Node*> shuffled = nodes;
    for (size_t i = shuffled.size(); i > 1; --i)
      std::swap(shuffled[i - 1], shuffled[rng_.below(i)]);
    for (Node* node : shuffled) push(*node);
  }

  void push(Node& node) {
    heap_.push_back(Entry{key(node), ++sequence_, node.outstanding(), &node});
    total_ += node.outstanding();
    place(heap_.size() - 1);
    siftUp(heap_.size() - 1);
  }

  void remove(Node& node) {
    if (!contains(node)) return;
    size_t i = node.balancer_slot;
    total_ -= heap_[i].outstanding;
    swapEntries(i, heap_.size() - 1);
    heap_.pop_back();
    if (i < heap_.size()) {
      Node* moved = heap_[i].node;
      siftUp(i);
      siftDown(moved->balancer_slot);
    }
  }

  // Re-sorts a node after its load or availability changed. O(log n).
  void fix(Node& node) {
    if (!contains(node)) return;
    size_t i = node.balancer_slot;
    Entry& e = heap_[i];
    total_ += node.outstanding() - e.outstanding;
    e.outstanding = node.outstanding();
    e.key = key(node);
    if (e.outstanding == 0) e.tie = ++sequence_;
    siftUp(i);
    siftDown(node.balancer_slot);
  }

  template <class F>
  void forEach(F&& f) const {
    for (const Entry& e : heap_) f(*e.node);
  }

 private:
  struct Entry {
    int64_t key;
    uint64_t tie;
    int outstanding;
    Node* node;
  };
  static constexpr int64_t kDownPenalty = int64_t{1} << 48;

  int64_t key(const Node& node) const { return key_(node) + (node.available() ? 0 : kDownPenalty); }
  static bool less(const Entry& a, const Entry& b) {
    return a.key < b.key || (a.key == b.key && a.tie < b.tie);
  }
  void place(size_t i) { heap_[i].node->balancer_slot = static_cast<uint32_t>(i); }
  void swapEntries(size_t i, size_t j) {
    std::swap(heap_[i], heap_[j]);
    place(i);
    place(j);
  }
  void siftUp(size_t i) {
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!less(heap_[i], heap_[parent])) break;
      swapEntries(i, parent);
      i = parent;
    }
  }
  void siftDown(size_t i) {
    size_t n = heap_.size();
    while (i < n) {
      size_t smallest = i;
      size_t l = 2 * i + 1, r = l + 1;
      if (l < n && less(heap_[l], heap_[smallest])) smallest = l;
      if (r < n && less(heap_[r], heap_[smallest])) smallest = r;
      if (smallest == i) break;
      swapEntries(i, smallest);
      i = smallest;
    }
  }

  KeyFn key_;
  FastRandom rng_;
  std::vector<Entry> heap_;
  int64_t total_ = 0;
  uint64_t sequence_ = 0;
};

}  // namespace scales::balancer::detail

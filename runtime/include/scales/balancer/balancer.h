// SPDX-License-Identifier: Apache-2.0
// Balancer (control plane) and Picker (data plane). The balancer receives whole node sets, load
// and health changes, and keeps a Picker current; pick() is synchronous and never allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scales/balancer/node.h"

namespace scales::balancer {

// Per-call input to pick(): policies that hash (ring hash) read the key, the rest ignore it.
struct PickContext {
  uint64_t key = 0;
  bool has_key = false;
};

// The node set as of the last update. pick() MUST NOT block or allocate; it returns nullptr only
// when the set is empty. When every node is unavailable it still returns one: the layer above
// decides whether to fail fast (Finagle's behaviour when all nodes are marked dead).
class Picker {
 public:
  virtual ~Picker() = default;
  virtual Node* pick(const PickContext& context) const = 0;
};

// What a balancer reports about itself (metrics, tests, the simulator).
struct BalancerStats {
  size_t size = 0;      // nodes in the set
  size_t live = 0;      // nodes available
  size_t aperture = 0;  // nodes eligible for picks (== size unless the policy subsets)
  size_t warming = 0;   // nodes in slow start
};

// Contract: all methods are called on the client's executor.
// - update() receives the full current node set in the resolver's order (the caller keeps the
//   nodes alive and points each node's watch() at this balancer) and republishes.
// - nodeChanged() tells the balancer a node's availability changed.
// - loadChanged() tells it a call started or finished on a node (outstanding or latency moved).
//   Either may name a node the balancer no longer holds; it must ignore such a node.
// - picker() returns the current picker; it stays valid until the next update or change.
class Balancer {
 public:
  virtual ~Balancer() = default;
  virtual void update(const std::vector<Node*>& nodes) = 0;
  virtual void nodeChanged(Node& node) = 0;
  virtual void loadChanged(Node&) {}
  virtual const Picker& picker() const = 0;
  virtual BalancerStats stats() const = 0;
};

}  // namespace scales::balancer

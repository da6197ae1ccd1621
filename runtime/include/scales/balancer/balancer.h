// SPDX-License-Identifier: Apache-2.0
// Balancer (control plane) and Picker (data plane). The balancer receives whole node sets and
// health changes and publishes an immutable Picker; pick() is synchronous and never allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "scales/discovery/endpoint.h"

namespace scales::balancer {

// What a balancer sees of an endpoint. Load and health are Node concerns; distribution is the
// balancer's (Finagle's NodeT / DistributorT split).
class Node {
 public:
  virtual ~Node() = default;
  virtual const discovery::Endpoint& endpoint() const = 0;
  virtual int outstanding() const = 0;  // calls in flight on this node
  virtual bool available() const = 0;   // false while its connections fail
};

// Per-call input to pick(): policies that hash (ring hash) read the key, the rest ignore it.
struct PickContext {
  uint64_t key = 0;
  bool has_key = false;
};

// Immutable snapshot of the node set. pick() MUST NOT block or allocate; it returns nullptr only
// when the snapshot has no node at all. When every node is unavailable it still returns one: the
// layer above decides whether to fail fast (Finagle's behaviour when all nodes are marked dead).
class Picker {
 public:
  virtual ~Picker() = default;
  virtual Node* pick(const PickContext& context) const = 0;
};

// Contract: all methods are called on the client's executor.
// - update() receives the full current node set (the caller keeps the nodes alive) and republishes.
// - nodeChanged() tells the balancer a node's availability changed; it may republish.
// - picker() returns the current snapshot; it stays valid until the next update or nodeChanged.
class Balancer {
 public:
  virtual ~Balancer() = default;
  virtual void update(const std::vector<Node*>& nodes) = 0;
  virtual void nodeChanged(Node& node) = 0;
  virtual const Picker& picker() const = 0;
};

}  // namespace scales::balancer

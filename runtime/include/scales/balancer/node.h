// SPDX-License-Identifier: Apache-2.0
// A Node is one endpoint as a balancer sees it: its load (calls in flight, peak-EWMA latency,
// open connections) and its availability. Whoever runs calls on the node (the client stack, the
// simulator, a test) reports each call's start and finish; the node tells its balancer, so
// balancers never poll (docs/architecture.md).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"

namespace scales::balancer {

class Balancer;

class Node {
 public:
  // `ewma_decay` is the peak-EWMA window (Finagle's decayTime, default 10 s).
  explicit Node(discovery::Endpoint endpoint, Duration ewma_decay = std::chrono::seconds(10));
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const discovery::Endpoint& endpoint() const { return endpoint_; }
  int outstanding() const { return outstanding_; }  // calls in flight (and queued) on this node
  bool available() const { return available_; }     // false while the node is known to fail
  // Open or opening connections; nodes without a pool report 0.
  virtual size_t connections() const { return 0; }

  // Finagle's PeakEwma cost: the RTT average, reset upward at once by a slower sample and
  // decaying towards recent samples (and towards zero while idle) with the window.
  double latencyNanos(Clock::time_point now) const;
  // p2c_ewma's load: cost x (outstanding + 1); a node with calls out but no history yet costs a
  // penalty, so an unknown node is tried but not flooded.
  double ewmaLoad(Clock::time_point now) const;

  // Reports, from whoever runs calls on the node. Each tells the watching balancer.
  void callStarted();
  void callFinished(Clock::time_point now, Duration latency);
  void setAvailable(bool available);

  // The balancer that hears this node's reports (nullptr: none). Set by the node set's owner.
  void watch(Balancer* balancer) { balancer_ = balancer; }
  // Free for the watching balancer's bookkeeping (e.g. a heap position).
  uint32_t balancer_slot = 0;

 private:
  discovery::Endpoint endpoint_;
  double decay_nanos_;
  int outstanding_ = 0;
  bool available_ = true;
  double cost_ = 0;  // nanoseconds, as of stamp_
  Clock::time_point stamp_{};
  Balancer* balancer_ = nullptr;
};

}  // namespace scales::balancer

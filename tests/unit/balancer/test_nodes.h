// SPDX-License-Identifier: Apache-2.0
// Real balancer::Nodes wired to a balancer the way the client stack wires them, for the balancer
// tests: calls are started and finished by hand, time comes from a clock the test moves.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scales/balancer/balancers.h"

namespace scales::balancer::testing {

struct TestNode : Node {
  explicit TestNode(int port, double weight = 1.0, int priority = 0)
      : Node(discovery::Endpoint{"10.0.0." + std::to_string(port % 250),
                                 static_cast<uint16_t>(port), weight, priority}) {}
  size_t connections() const override { return open_connections; }
  size_t open_connections = 0;
};

struct ManualClock {
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  int reads = 0;  // by the balancer
  void advance(Duration d) { now += d; }
};

// A balancer under test with its nodes and a manual clock.
struct Fixture {
  explicit Fixture(const std::string& name, size_t count = 3, BalancerOptions options = {}) {
    options.seed = options.seed ? options.seed : 42;
    options.clock = [c = clock] {
      ++c->reads;
      return c->now;
    };
    balancer = makeBalancer(name, options);
    for (size_t i = 0; i < count; ++i) add(static_cast<int>(i + 1));
    publish();
  }
  TestNode& add(int port, double weight = 1.0, int priority = 0) {
    nodes.push_back(std::make_unique<TestNode>(port, weight, priority));
    nodes.back()->watch(balancer.get());
    return *nodes.back();
  }
  void remove(size_t index) {
    nodes[index]->watch(nullptr);
    nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(index));
  }
  void publish() {
    std::vector<Node*> view;
    for (auto& n : nodes) view.push_back(n.get());
    balancer->update(view);
  }
  Node* pick(std::optional<uint64_t> key = std::nullopt) {
    PickContext context;
    if (key) context = {*key, true};
    return balancer->picker().pick(context);
  }
  // Picks `count` times, finishing each call at once; returns picks per node index.
  std::map<size_t, int> spread(int count, Duration latency = std::chrono::milliseconds(1)) {
    std::map<size_t, int> out;
    for (int i = 0; i < count; ++i) {
      Node* n = pick();
      n->callStarted();
      clock->advance(latency);
      n->callFinished(clock->now, latency);
      ++out[indexOf(n)];
    }
    return out;
  }
  size_t indexOf(const Node* n) const {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].get() == n) return i;
    }
    return nodes.size();
  }

  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::unique_ptr<Balancer> balancer;
  std::vector<std::unique_ptr<TestNode>> nodes;
};

}  // namespace scales::balancer::testing

// SPDX-License-Identifier: Apache-2.0
// Heap, least connections, P2C and P2C peak-EWMA: the least loaded node wins.
#include <gtest/gtest.h>

#include "test_nodes.h"

namespace scales::balancer {
namespace {
using namespace std::chrono_literals;
using testing::Fixture;

void start(Node& node, int calls) {
  for (int i = 0; i < calls; ++i) node.callStarted();
}

TEST(Heap, TheLeastLoadedNodeGetsTheCall) {
  Fixture f("heap", 3);
  start(*f.nodes[0], 2);
  start(*f.nodes[2], 1);
  EXPECT_EQ(f.pick(), f.nodes[1].get());
  start(*f.nodes[1], 3);
  EXPECT_EQ(f.pick(), f.nodes[2].get());
}

TEST(Heap, ConcurrentCallsFillNodesEvenly) {
  Fixture f("heap", 4);
  for (int i = 0; i < 40; ++i) f.pick()->callStarted();
  for (auto& n : f.nodes) EXPECT_EQ(n->outstanding(), 10);
}

TEST(Heap, SequentialCallsSpreadOverIdleNodes) {
  // Every node is idle at each pick: the least recently idle goes first, so they rotate.
  Fixture f("heap", 3);
  auto counts = f.spread(30000);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(counts[i], 10000) << i;
}

TEST(Heap, ADeadNodeSortsBelowEveryLiveOne) {
  Fixture f("heap", 2);
  start(*f.nodes[1], 50);
  f.nodes[0]->setAvailable(false);
  EXPECT_EQ(f.pick(), f.nodes[1].get());
}

TEST(LeastConnections, FewestOpenConnectionsWinsThenFewestCalls) {
  Fixture f("least_connections", 3);
  f.nodes[0]->open_connections = 5;
  f.nodes[1]->open_connections = 2;
  f.nodes[2]->open_connections = 2;
  start(*f.nodes[1], 1);  // reports re-sort the heap with the node's current connections
  f.nodes[0]->callStarted();
  f.nodes[0]->callFinished(f.clock->now, 1ms);
  EXPECT_EQ(f.pick(), f.nodes[2].get());
}

TEST(P2C, NeverPicksTheMostLoadedOfThreeNodes) {
  // Two distinct choices always include a node less loaded than the busiest one.
  Fixture f("p2c", 3);
  start(*f.nodes[0], 100);
  start(*f.nodes[1], 1);
  std::map<Node*, int> counts;
  for (int i = 0; i < 10000; ++i) ++counts[f.pick()];
  EXPECT_EQ(counts[f.nodes[0].get()], 0);
  // Node 2 (idle) wins whenever drawn (2 of 3 pairs); node 1 only against node 0.
  EXPECT_NEAR(counts[f.nodes[2].get()] / 10000.0, 2.0 / 3, 0.02);
}

TEST(P2C, EqualLoadSpreadsUniformly) {
  Fixture f("p2c", 5);
  auto counts = f.spread(50000);
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(counts[i] / 50000.0, 0.2, 0.02) << i;
}

TEST(P2CEwma, ASlowNodeGetsLittleTraffic) {
  Fixture f("p2c_ewma", 3);
  std::map<size_t, int> counts;
  for (int i = 0; i < 30000; ++i) {
    Node* n = f.pick();
    size_t index = f.indexOf(n);
    Duration latency = index == 0 ? 50ms : 5ms;  // node 0 is ten times slower
    n->callStarted();
    f.clock->advance(1ms);
    n->callFinished(f.clock->now, latency);
    ++counts[index];
  }
  // With two choices, the slow node still wins the pair it is drawn into when the fast node's
  // cost has decayed past it; it must get far less than its 1/3 share.
  EXPECT_LT(counts[0] / 30000.0, 0.10);
  EXPECT_NEAR(counts[1] / 30000.0, counts[2] / 30000.0, 0.05);
}

TEST(P2CEwma, CostIsPeakSensitiveAndDecaysWhileIdle) {
  testing::TestNode n(1);
  auto t0 = Clock::time_point{} + 1h;
  n.callStarted();
  n.callFinished(t0, 10ms);
  EXPECT_NEAR(n.latencyNanos(t0), 10e6, 1);
  n.callStarted();
  n.callFinished(t0 + 1ms, 100ms);  // a slower reply counts in full, at once
  EXPECT_NEAR(n.latencyNanos(t0 + 1ms), 100e6, 1);
  // One decay window (10 s) of silence: the cost falls by a factor e.
  EXPECT_NEAR(n.latencyNanos(t0 + 1ms + 10s), 100e6 / std::exp(1.0), 1e3);
  n.callStarted();
  n.callFinished(t0 + 1ms + 10s, 10ms);  // a faster reply pulls it towards itself by 1 - w
  double w = 1 / std::exp(1.0);
  EXPECT_NEAR(n.latencyNanos(t0 + 1ms + 10s), 100e6 * w + 10e6 * (1 - w), 1e3);
}

TEST(P2CEwma, AnUnmeasuredBusyNodeCostsAPenalty) {
  testing::TestNode fresh(1), measured(2);
  auto now = Clock::time_point{} + 1h;
  measured.callStarted();
  measured.callFinished(now, 1s);
  fresh.callStarted();
  EXPECT_GT(fresh.ewmaLoad(now), measured.ewmaLoad(now) * 1000);
  testing::TestNode idle(3);
  EXPECT_EQ(idle.ewmaLoad(now), 0);  // unknown but idle: worth trying
}

}  // namespace
}  // namespace scales::balancer

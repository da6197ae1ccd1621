// SPDX-License-Identifier: Apache-2.0
// Round robin, random and ordered failover: the distributions they promise.
#include <gtest/gtest.h>

#include "test_nodes.h"

namespace scales::balancer {
namespace {
using testing::Fixture;

TEST(RoundRobin, VisitsEveryLiveNodeInTurn) {
  Fixture f("round_robin", 3);
  Node* previous = nullptr;
  std::map<Node*, int> counts;
  for (int i = 0; i < 300; ++i) {
    Node* n = f.pick();
    EXPECT_NE(n, previous);  // never the same node twice in a row with three up
    previous = n;
    ++counts[n];
  }
  for (auto& n : f.nodes) EXPECT_EQ(counts[n.get()], 100);
}

TEST(RoundRobin, StartsAtASeededRandomNode) {
  std::set<size_t> firsts;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    BalancerOptions options;
    options.seed = seed;
    Fixture f("round_robin", 5, options);
    firsts.insert(f.indexOf(f.pick()));
  }
  EXPECT_GE(firsts.size(), 3u);  // many clients do not all start on the first node
}

TEST(Random, SpreadsUniformlyWithinTwoPoints) {
  Fixture f("random", 4);
  auto counts = f.spread(100000);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(counts[i] / 100000.0, 0.25, 0.02) << i;
}

TEST(FirstLive, SendsEverythingToTheFirstLiveNodeInResolverOrder) {
  Fixture f("first_live", 3);
  auto counts = f.spread(100);
  EXPECT_EQ(counts[0], 100);
  f.nodes[0]->setAvailable(false);
  EXPECT_EQ(f.spread(100)[1], 100);
  f.nodes[0]->setAvailable(true);  // the preferred node takes back over once it lives again
  EXPECT_EQ(f.spread(100)[0], 100);
}

TEST(LastLive, SendsEverythingToTheLastLiveNode) {
  Fixture f("last_live", 3);
  EXPECT_EQ(f.spread(100)[2], 100);
  f.nodes[2]->setAvailable(false);
  EXPECT_EQ(f.spread(100)[1], 100);
}

}  // namespace
}  // namespace scales::balancer

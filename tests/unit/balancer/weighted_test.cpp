// SPDX-License-Identifier: Apache-2.0
// Weighted round robin and priority-weighted: shares follow weights; tiers fail over.
#include <gtest/gtest.h>

#include <array>

#include "test_nodes.h"

namespace scales::balancer {
namespace {
using testing::Fixture;

Fixture weighted(const std::string& name, std::vector<std::pair<double, int>> nodes) {
  Fixture f(name, 0);
  int port = 1;
  for (auto [weight, priority] : nodes) f.add(port++, weight, priority);
  f.publish();
  return f;
}

TEST(WeightedRoundRobin, ExactSharesAndInterleaved) {
  auto f = weighted("weighted_round_robin", {{5, 0}, {2, 0}, {3, 0}});
  std::string order;
  for (int i = 0; i < 1000; ++i) order += static_cast<char>('a' + f.indexOf(f.pick()));
  EXPECT_EQ(std::count(order.begin(), order.end(), 'a'), 500);
  EXPECT_EQ(std::count(order.begin(), order.end(), 'b'), 200);
  EXPECT_EQ(std::count(order.begin(), order.end(), 'c'), 300);
  // Smooth: the heaviest node never takes more than two picks in a row.
  EXPECT_EQ(order.find("aaa"), std::string::npos) << order.substr(0, 20);
  EXPECT_EQ(order.substr(0, 10).size(), 10u);
}

TEST(WeightedRoundRobin, SixtyTwentyTwenty) {
  auto f = weighted("weighted_round_robin", {{60, 0}, {20, 0}, {20, 0}});
  auto counts = f.spread(100000);
  EXPECT_EQ(counts[0], 60000);
  EXPECT_EQ(counts[1], 20000);
  EXPECT_EQ(counts[2], 20000);
}

TEST(WeightedRoundRobin, DeadNodesShareIsRedistributed) {
  auto f = weighted("weighted_round_robin", {{2, 0}, {1, 0}, {1, 0}});
  f.nodes[0]->setAvailable(false);
  auto counts = f.spread(1000);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[1], 500);
}

// The schedule's times only grow; after 2^20 of the longest interval they are moved back (here
// after about 3.1 million picks), and the shares stay exact through it.
TEST(WeightedRoundRobin, SharesStayExactAcrossTheScheduleRebase) {
  auto f = weighted("weighted_round_robin", {{1, 0}, {2, 0}});
  std::array<int, 2> counts{};
  for (int i = 0; i < 3'300'000; ++i) ++counts[f.indexOf(f.pick())];
  EXPECT_EQ(counts[0], 1'100'000);
  EXPECT_EQ(counts[1], 2'200'000);
}

// A live set that changes (a node leaving and coming back, over and over) does not restart the
// schedule each time: with equal weights, a restart every few picks would give the first nodes
// nearly every call.
TEST(WeightedRoundRobin, ChangesToTheLiveSetKeepTheScheduleOfTheNodesThatStay) {
  auto f = weighted("weighted_round_robin", {{1, 0}, {1, 0}, {1, 0}, {1, 0}, {1, 0}});
  std::array<int, 5> counts{};
  for (int round = 0; round < 200; ++round) {
    f.nodes[4]->setAvailable(round % 2 == 0);  // a rebuild each round
    for (int i = 0; i < 2; ++i) ++counts[f.indexOf(f.pick())];
  }
  for (size_t i = 0; i < 4; ++i) EXPECT_GE(counts[i], 80) << "node " << i;
}

TEST(WeightedRoundRobin, WeightZeroGetsNoTurnUnlessAllAreZero) {
  auto some = weighted("weighted_round_robin", {{0, 0}, {1, 0}, {1, 0}});
  auto counts = some.spread(1000);
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[1], 500);
  auto none = weighted("weighted_round_robin", {{0, 0}, {0, 0}, {0, 0}});
  counts = none.spread(999);
  EXPECT_EQ(counts[0], 333);
  EXPECT_EQ(counts[1], 333);
  EXPECT_EQ(counts[2], 333);
}

TEST(PriorityWeighted, SixtyTwentyTwentyWithinTwoPoints) {
  auto f = weighted("priority_weighted", {{60, 1}, {20, 1}, {20, 1}, {100, 2}});
  auto counts = f.spread(100000);
  EXPECT_NEAR(counts[0] / 100000.0, 0.60, 0.02);
  EXPECT_NEAR(counts[1] / 100000.0, 0.20, 0.02);
  EXPECT_NEAR(counts[2] / 100000.0, 0.20, 0.02);
  EXPECT_EQ(counts[3], 0);  // a higher priority value is a standby tier
}

TEST(PriorityWeighted, TheNextTierTakesOverOnlyWhenTheWholeTierIsDown) {
  auto f = weighted("priority_weighted", {{1, 0}, {1, 0}, {3, 5}, {1, 5}});
  f.nodes[0]->setAvailable(false);
  EXPECT_EQ(f.spread(1000)[1], 1000);  // one live node left in tier 0: it takes everything
  f.nodes[1]->setAvailable(false);
  auto counts = f.spread(40000);
  EXPECT_NEAR(counts[2] / 40000.0, 0.75, 0.02);
  EXPECT_NEAR(counts[3] / 40000.0, 0.25, 0.02);
  f.nodes[0]->setAvailable(true);  // tier 0 back: it takes over again
  EXPECT_EQ(f.spread(1000)[0], 1000);
}

}  // namespace
}  // namespace scales::balancer

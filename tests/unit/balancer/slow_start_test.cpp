// SPDX-License-Identifier: Apache-2.0
// Slow start: a node joining a running set, or coming back, ramps up to its share over the window,
// under a policy that rotates (round robin) and one that samples (p2c); the heap, which picks the
// least loaded node outright, is not held back.
#include <gtest/gtest.h>

#include "scales/core/errors.h"
#include "test_nodes.h"

namespace scales::balancer {
namespace {
using namespace std::chrono_literals;
using testing::Fixture;

BalancerOptions slowStart(Duration window, double aggression = 1.0) {
  BalancerOptions options;
  options.slow_start.window = window;
  options.slow_start.aggression = aggression;
  return options;
}

// The share of `picks` that node `index` gets now, without moving the clock.
double shareOf(Fixture& f, size_t index, int picks = 20000) {
  int hits = 0;
  for (int i = 0; i < picks; ++i) hits += f.pick() == f.nodes[index].get() ? 1 : 0;
  return static_cast<double>(hits) / picks;
}

TEST(SlowStart, AJoiningNodesShareRampsOverTheWindow) {
  Fixture f("round_robin", 3, slowStart(10s));
  EXPECT_NEAR(shareOf(f, 0), 1.0 / 3, 0.01) << "the first nodes start warm";
  f.add(4);
  f.publish();
  // Round robin lands on it once per rotation and keeps the pick with its weight w: 10% (the
  // floor) at first, half at mid-window, all after it. A refused pick moves the rotation on, so
  // its share is w / (3 + w) of the calls: a quarter once warm.
  EXPECT_NEAR(shareOf(f, 3), 0.1 / 3.1, 0.01);
  f.clock->advance(5s);
  EXPECT_NEAR(shareOf(f, 3), 0.5 / 3.5, 0.02);
  f.clock->advance(5s);
  EXPECT_NEAR(shareOf(f, 3), 0.25, 0.01);
}

TEST(SlowStart, AggressionShapesTheRamp) {
  Fixture f("round_robin", 3, slowStart(10s, 2.0));
  f.add(4);
  f.publish();
  f.clock->advance(2500ms);
  // (1/4)^(1/2) = 0.5: a steeper start than the linear 0.25 (share w / (3 + w)).
  EXPECT_NEAR(shareOf(f, 3), 0.5 / 3.5, 0.02);
}

TEST(SlowStart, AColdNodeIsThinnedUnderPowerOfTwoChoices) {
  Fixture f("p2c", 3, slowStart(10s));
  for (int i = 0; i < 30; ++i) f.pick()->callStarted();  // 10 calls out on each
  f.add(4);
  f.publish();
  // p2c prefers the idle newcomer whenever it samples it (about half the picks); slow start
  // keeps about its weight's worth of those, and picks again for the rest.
  int to_new = 0;
  for (int i = 0; i < 1000; ++i) {
    Node* n = f.pick();
    to_new += n == f.nodes[3].get() ? 1 : 0;
  }
  EXPECT_LT(to_new, 1000 * 0.15);
  EXPECT_GT(to_new, 0);
}

TEST(SlowStart, TheHeapKeepsAnIdleNewcomerItPicksAgain) {
  // Documented: the heap picks the least loaded node outright, so a re-pick lands on the same
  // idle newcomer and slow start keeps it.
  Fixture f("heap", 3, slowStart(10s));
  for (int i = 0; i < 30; ++i) f.pick()->callStarted();
  f.add(4);
  f.publish();
  EXPECT_EQ(f.pick(), f.nodes[3].get());
}

TEST(SlowStart, ANodeBackFromBeingOutWarmsUpAgain) {
  Fixture f("round_robin", 2, slowStart(10s));
  f.nodes[1]->setAvailable(false);
  EXPECT_EQ(shareOf(f, 1, 1000), 0.0);
  f.nodes[1]->setAvailable(true);
  // Over two nodes its share is w / (1 + w) (see above).
  EXPECT_NEAR(shareOf(f, 1), 0.1 / 1.1, 0.01);
  f.clock->advance(10s);
  EXPECT_NEAR(shareOf(f, 1), 0.5, 0.01);
}

TEST(SlowStart, PoliciesWithoutSharesAreLeftAlone) {
  Fixture f("first_live", 2, slowStart(10s));
  f.nodes[0]->setAvailable(false);
  f.nodes[0]->setAvailable(true);
  EXPECT_EQ(f.pick(), f.nodes[0].get()) << "the first live node, warm or not";
}

TEST(SlowStart, BadOptionsAreRefused) {
  SlowStartOptions options;
  options.aggression = 0;
  EXPECT_THROW(options.validate(), ConfigError);
  options = {};
  options.min_weight = 0;
  EXPECT_THROW(options.validate(), ConfigError);
  options = {};
  options.window = -1s;
  EXPECT_THROW(options.validate(), ConfigError);
  EXPECT_NO_THROW(SlowStartOptions{}.validate());
}

}  // namespace
}  // namespace scales::balancer

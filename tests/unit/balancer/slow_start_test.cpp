// SPDX-License-Identifier: Apache-2.0
// Slow start: a node joining a running set, or coming back, ramps up to its share over the window,
// under a policy that rotates (round robin) and one that would flood an idle node (the heap).
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
  // Round robin lands on it a quarter of the time and keeps the pick with its weight: 10% (the
  // floor) at first, half at mid-window, all after it.
  EXPECT_NEAR(shareOf(f, 3), 0.25 * 0.1, 0.01);
  f.clock->advance(5s);
  EXPECT_NEAR(shareOf(f, 3), 0.25 * 0.5, 0.02);
  f.clock->advance(5s);
  EXPECT_NEAR(shareOf(f, 3), 0.25, 0.01);
}

TEST(SlowStart, AggressionShapesTheRamp) {
  Fixture f("round_robin", 3, slowStart(10s, 2.0));
  f.add(4);
  f.publish();
  f.clock->advance(2500ms);
  // (1/4)^(1/2) = 0.5: a steeper start than the linear 0.25.
  EXPECT_NEAR(shareOf(f, 3), 0.25 * 0.5, 0.02);
}

TEST(SlowStart, AnIdleColdNodeIsNotFloodedByTheHeap) {
  Fixture f("heap", 3, slowStart(10s));
  for (int i = 0; i < 30; ++i) f.pick()->callStarted();  // 10 calls out on each
  f.add(4);
  f.publish();
  // The heap would send the next 10 calls all to the idle newcomer; slow start keeps about its
  // weight's worth of them.
  int to_new = 0;
  for (int i = 0; i < 400; ++i) {
    Node* n = f.pick();
    to_new += n == f.nodes[3].get() ? 1 : 0;
    n->callStarted();
    n->callFinished(f.clock->now, 1ms);
  }
  EXPECT_LT(to_new, 400 * 0.2);
  EXPECT_GT(to_new, 0);
}

TEST(SlowStart, ANodeBackFromBeingOutWarmsUpAgain) {
  Fixture f("round_robin", 2, slowStart(10s));
  f.nodes[1]->setAvailable(false);
  EXPECT_EQ(shareOf(f, 1, 1000), 0.0);
  f.nodes[1]->setAvailable(true);
  EXPECT_NEAR(shareOf(f, 1), 0.5 * 0.1, 0.01);
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

// SPDX-License-Identifier: Apache-2.0
// least_loaded_of_k: the fewest calls out among k sampled live nodes.
#include <gtest/gtest.h>

#include "scales/core/errors.h"
#include "test_nodes.h"

namespace scales::balancer {
namespace {
using testing::Fixture;

BalancerOptions choices(size_t k) {
  BalancerOptions options;
  options.least_loaded_choices = k;
  return options;
}

// With k = 3 of 4 nodes, the busiest node is picked only when the other three are all left out
// of the sample, which never happens: three distinct samples out of four always include one of
// the other three.
TEST(LeastLoadedOfK, NeverPicksTheBusiestWhenTheSampleAlwaysHoldsALighterNode) {
  Fixture f("least_loaded_of_k", 4, choices(3));
  for (int i = 0; i < 5; ++i) f.nodes[0]->callStarted();
  for (int i = 0; i < 2000; ++i) EXPECT_NE(f.pick(), f.nodes[0].get());
}

TEST(LeastLoadedOfK, WithKAtLeastTheSetItIsTheLeastLoadedNode) {
  Fixture f("least_loaded_of_k", 3, choices(4));
  f.nodes[0]->callStarted();
  f.nodes[0]->callStarted();
  f.nodes[2]->callStarted();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f.pick(), f.nodes[1].get());
}

// Samples are distinct and uniform: five of six nodes are busy, and five distinct samples miss
// the idle one exactly when it is the one left out, one pick in six (samples drawn with
// replacement would miss it far more often: (5/6)^5, four picks in ten).
TEST(LeastLoadedOfK, SamplesAreDistinct) {
  Fixture f("least_loaded_of_k", 6, choices(5));
  for (size_t i = 0; i < 5; ++i) f.nodes[i]->callStarted();
  int idle_picks = 0;
  for (int i = 0; i < 6000; ++i) idle_picks += f.pick() == f.nodes[5].get();
  EXPECT_NEAR(idle_picks / 6000.0, 5.0 / 6.0, 0.03);
}

TEST(LeastLoadedOfK, EqualLoadSpreadsUniformly) {
  Fixture f("least_loaded_of_k", 4, choices(3));
  auto counts = f.spread(40000);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(counts[i] / 40000.0, 0.25, 0.02) << i;
}

TEST(LeastLoadedOfK, ChoicesOutsideTwoToSixteenAreConfigErrors) {
  EXPECT_THROW(makeBalancer("least_loaded_of_k", choices(1)), ConfigError);
  EXPECT_THROW(makeBalancer("least_loaded_of_k", choices(17)), ConfigError);
  EXPECT_NO_THROW(makeBalancer("least_loaded_of_k", choices(16)));
}

}  // namespace
}  // namespace scales::balancer

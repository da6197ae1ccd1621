// SPDX-License-Identifier: Apache-2.0
// Gradient2: the limit grows while latency holds, shrinks when it rises, ignores an idle client,
// recovers after an overload, and stays within its bounds.
#include "scales/resilience/adaptive_limit.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;

AdaptiveLimitOptions options(size_t initial = 20) {
  AdaptiveLimitOptions o;
  o.enabled = true;
  o.initial_limit = initial;
  o.max_limit = 200;
  return o;
}

// `windows` windows of calls taking `rtt`, each window with the limit's worth in flight.
void run(Gradient2Limit& limit, Duration rtt, int windows, size_t in_flight = 0) {
  for (int w = 0; w < windows; ++w) {
    for (int i = 0; i < 10; ++i) limit.sample(rtt, in_flight ? in_flight : limit.limit());
  }
}

TEST(Gradient2Limit, GrowsWhileLatencyHolds) {
  Gradient2Limit limit(options());
  run(limit, 10ms, 30);
  EXPECT_GT(limit.limit(), 40u) << "each update adds a small queue's worth";
  run(limit, 10ms, 300);
  EXPECT_EQ(limit.limit(), 200u) << "up to max_limit";
}

TEST(Gradient2Limit, ShrinksWhenLatencyRises) {
  Gradient2Limit limit(options(100));
  run(limit, 10ms, 20);
  size_t before = limit.limit();
  run(limit, 100ms, 30);  // ten times slower: the server queues
  EXPECT_LT(limit.limit(), before / 4);
  EXPECT_GE(limit.limit(), 1u);
}

TEST(Gradient2Limit, AClientUsingLessThanHalfDoesNotGrowItButSlownessStillShrinksIt) {
  Gradient2Limit limit(options(100));
  run(limit, 10ms, 20, 3);  // 3 in flight: under half the limit
  EXPECT_EQ(limit.limit(), 100u);
  run(limit, 500ms, 20, 3);  // the server queues even these few
  EXPECT_LT(limit.limit(), 50u);
}

TEST(Gradient2Limit, AModestRiseWithFewCallsInFlightDoesNotGrowIt) {
  Gradient2Limit limit(options(20));
  run(limit, 10ms, 20, 20);  // the long-term round trip: 10 ms
  size_t before = limit.limit();
  // 16 ms against 10: a gradient of 1.5 * 10 / 16 = 0.94, which with a queue of 4 would grow a
  // limit of 20; with 3 calls in flight it may only shrink.
  run(limit, 16ms, 20, 3);
  EXPECT_LE(limit.limit(), before);
}

TEST(Gradient2Limit, CanSettleNearASmallCapacity) {
  Gradient2Limit limit(options(50));
  run(limit, 10ms, 20);
  run(limit, 200ms, 60);  // far slower: the gradient holds at its floor of 0.5
  EXPECT_LT(limit.limit(), 8u) << "a queue of 4 at every size would keep it at 8 or more";
}

TEST(Gradient2Limit, RecoversAfterAnOverload) {
  Gradient2Limit limit(options(50));
  run(limit, 10ms, 20);
  run(limit, 200ms, 200);  // a long overload: the long-term average creeps up
  size_t overloaded = limit.limit();
  run(limit, 10ms, 100);
  EXPECT_GT(limit.limit(), overloaded + 20);
}

TEST(Gradient2Limit, RefusesBadOptions) {
  auto bad = options();
  bad.min_limit = 0;
  EXPECT_THROW(bad.validate(), ConfigError);
  bad = options();
  bad.initial_limit = 500;  // above max_limit
  EXPECT_THROW(bad.validate(), ConfigError);
  bad = options();
  bad.tolerance = 0.9;
  EXPECT_THROW(bad.validate(), ConfigError);
  bad = options();
  bad.smoothing = 0;
  EXPECT_THROW(bad.validate(), ConfigError);
  EXPECT_NO_THROW(options().validate());
}

}  // namespace
}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// Percentiles of the latency window, and its forgetting.
#include "scales/resilience/latency_window.h"

#include <gtest/gtest.h>

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;

TEST(LatencyWindow, PercentilesAreWithinABucketOfTheTruth) {
  auto now = Clock::time_point{} + 1h;
  LatencyWindow window(10s, [&] { return now; });
  for (int i = 1; i <= 1000; ++i) window.record(std::chrono::microseconds(i * 100));  // to 100 ms
  auto p50 = window.percentile(50).value();
  auto p99 = window.percentile(99).value();
  EXPECT_GE(p50, 50ms);
  EXPECT_LE(p50, 50ms * 1.13);
  EXPECT_GE(p99, 99ms);
  EXPECT_LE(p99, 99ms * 1.13);
  EXPECT_EQ(window.count(), 1000);
}

TEST(LatencyWindow, NeedsItsMinimumOfSamples) {
  LatencyWindow window;
  EXPECT_FALSE(window.percentile(50));
  window.record(1ms);
  EXPECT_TRUE(window.percentile(50));
  EXPECT_FALSE(window.percentile(50, 2));
}

TEST(LatencyWindow, ForgetsWhatIsOlderThanTheWindow) {
  auto now = Clock::time_point{} + 1h;
  LatencyWindow window(10s, [&] { return now; });
  for (int i = 0; i < 100; ++i) window.record(100ms);
  now += 6s;  // one half-window later: still counted
  for (int i = 0; i < 100; ++i) window.record(1ms);
  EXPECT_EQ(window.count(), 200);
  now += 6s;  // the 100 ms calls are now more than a window old
  EXPECT_EQ(window.count(), 100);
  EXPECT_LE(window.percentile(99).value(), 2ms);
  now += 30s;
  EXPECT_EQ(window.count(), 0);
}

}  // namespace
}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// scales-call's latency histogram: percentiles within its stated 1% of the exact values, never
// below them, and power-of-two ranges that hold exactly the values they claim.
#include "load/latency_histogram.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace scales::call {
namespace {

TEST(LatencyHistogram, PercentilesAreWithinOnePercentAndNeverFlatter) {  // 0.8%, in fact
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(7.0, 1.5);  // a long tail, around 1 ms
  std::vector<uint64_t> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<uint64_t>(latency(random));
    values.push_back(v);
    histogram.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    uint64_t exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    uint64_t reported = histogram.percentile(q);
    EXPECT_GE(reported, exact) << q;
    EXPECT_LE(reported, exact + exact / 128 + 1) << q;  // 128 buckets per power of two
  }
  EXPECT_EQ(histogram.percentile(1.0), values.back());
  EXPECT_EQ(histogram.max(), values.back());
  EXPECT_EQ(histogram.min(), values.front());
  EXPECT_EQ(histogram.count(), values.size());
}

TEST(LatencyHistogram, PowerOfTwoRangesHoldExactlyTheirValues) {
  LatencyHistogram histogram;
  for (uint64_t v : std::initializer_list<uint64_t>{0, 1, 2, 3, 4, 127, 128, 255, 256, 1000000,
                                                    uint64_t{1} << 40}) {
    histogram.record(v);
  }
  auto ranges = histogram.powersOfTwo();
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front(), std::make_pair(uint64_t{0}, uint64_t{1}));  // 0
  EXPECT_EQ(ranges[1], std::make_pair(uint64_t{1}, uint64_t{1}));       // 1
  EXPECT_EQ(ranges[2], std::make_pair(uint64_t{3}, uint64_t{2}));       // 2, 3
  EXPECT_EQ(ranges[3], std::make_pair(uint64_t{7}, uint64_t{1}));       // 4
  EXPECT_EQ(ranges[7], std::make_pair(uint64_t{127}, uint64_t{1}));     // 127
  EXPECT_EQ(ranges[8], std::make_pair(uint64_t{255}, uint64_t{2}));     // 128, 255
  EXPECT_EQ(ranges[9], std::make_pair(uint64_t{511}, uint64_t{1}));     // 256
  EXPECT_EQ(ranges.back(), std::make_pair((uint64_t{1} << 41) - 1, uint64_t{1}));
  uint64_t total = 0;
  for (const auto& [upper, count] : ranges) total += count;
  EXPECT_EQ(total, histogram.count());
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.percentile(0.99), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_TRUE(histogram.powersOfTwo().empty());
}

}  // namespace
}  // namespace scales::call

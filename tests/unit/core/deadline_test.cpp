// SPDX-License-Identifier: Apache-2.0
#include "scales/core/deadline.h"

#include <gtest/gtest.h>

namespace scales {
namespace {
using namespace std::chrono_literals;

TEST(Deadline, DefaultIsInfinite) {
  Deadline d;
  EXPECT_TRUE(d.isInfinite());
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), Duration::max());
}

TEST(Deadline, PastDeadlineIsExpiredWithNothingLeft) {
  Deadline d(Clock::now() - 1ms);
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), Duration::zero());
}

TEST(Deadline, FutureDeadlineHasTimeLeft) {
  auto d = Deadline::after(10s);
  EXPECT_FALSE(d.expired());
  EXPECT_GT(d.remaining(), 9s);
  EXPECT_LE(d.remaining(), 10s);
}

TEST(Deadline, EarliestPicksTheSooner) {
  auto soon = Deadline::after(1s);
  auto late = Deadline::after(5s);
  EXPECT_EQ(Deadline::earliest(soon, late).at(), soon.at());
  EXPECT_EQ(Deadline::earliest(Deadline::infinite(), late).at(), late.at());
}

}  // namespace
}  // namespace scales

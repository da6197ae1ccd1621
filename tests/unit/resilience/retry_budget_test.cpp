// SPDX-License-Identifier: Apache-2.0
// The retry budget: extra attempts stay within the configured share of requests. (The filters
// drawing on it are tested in retry_filter_test.cpp and backup_filter_test.cpp.)
#include "scales/resilience/retry_budget.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;

struct ManualClock {
  Clock::time_point now = Clock::time_point{} + 1h;
};

RetryBudgetOptions options(std::shared_ptr<ManualClock> clock, double percent, double floor) {
  RetryBudgetOptions o;
  o.percent_can_retry = percent;
  o.min_retries_per_second = floor;
  o.clock = [clock] { return clock->now; };
  return o;
}

int drain(RetryBudget& budget) {
  int n = 0;
  while (budget.tryWithdraw()) ++n;
  return n;
}

TEST(RetryBudget, RetriesAreAShareOfRequests) {
  auto clock = std::make_shared<ManualClock>();
  RetryBudget budget(options(clock, 0.2, 0));
  for (int i = 0; i < 100; ++i) budget.deposit();
  EXPECT_EQ(budget.available(), 20);
  EXPECT_EQ(drain(budget), 20);
}

TEST(RetryBudget, ShadowModeGrantsWhatASpentBudgetWouldRefuseAndCountsIt) {
  auto clock = std::make_shared<ManualClock>();
  auto o = options(clock, 0.2, 0);
  o.shadow = true;
  RetryBudget budget(o);
  auto refused = std::make_shared<metrics::Counter>();
  budget.countShadowRefusals(refused);
  for (int i = 0; i < 100; ++i) budget.deposit();
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(budget.tryWithdraw()) << i;
  EXPECT_EQ(refused->value(), 10) << "20 were within the budget";
  EXPECT_EQ(budget.available(), 0);
}

TEST(RetryBudget, AQuietClientStillHasTheFloor) {
  auto clock = std::make_shared<ManualClock>();
  RetryBudget budget(options(clock, 0.2, 10));  // Finagle's defaults: 10/s over 10 s
  EXPECT_EQ(drain(budget), 100);
  for (int i = 0; i < 50; ++i) budget.deposit();
  EXPECT_EQ(drain(budget), 10);
}

TEST(RetryBudget, DepositsAndWithdrawalsExpireAfterTheTtl) {
  auto clock = std::make_shared<ManualClock>();
  RetryBudget budget(options(clock, 0.5, 0));
  for (int i = 0; i < 100; ++i) budget.deposit();
  clock->now += 5s;
  EXPECT_EQ(budget.available(), 50);  // still inside the 10 s window
  clock->now += 6s;
  EXPECT_EQ(budget.available(), 0);  // expired
  for (int i = 0; i < 10; ++i) budget.deposit();
  EXPECT_EQ(drain(budget), 5);
  clock->now += 11s;  // the withdrawals expire with the deposits
  EXPECT_EQ(budget.available(), 0);
}

TEST(RetryBudget, RejectsABadTtl) {
  RetryBudgetOptions bad;
  bad.ttl = 500ms;
  EXPECT_THROW(RetryBudget{bad}, ConfigError);
  bad.ttl = 61s;
  EXPECT_THROW(RetryBudget{bad}, ConfigError);
}

}  // namespace
}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// The retry budget, and the requeue filter drawing on it: extra attempts stay within the
// configured share of requests whatever the failure rate.
#include "scales/resilience/retry_budget.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "scales/core/errors.h"
#include "scales/resilience/requeue.h"

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

// Always NACKs, counting attempts.
struct Nacking : RpcService {
  explicit Nacking(boost::asio::io_context& context) : io(context) {}
  void call(Request, Handler handler) override {
    ++attempts;
    boost::asio::post(io, [handler = std::move(handler)]() mutable {
      handler(std::make_exception_ptr(NackError("busy")), Response{});
    });
  }
  boost::asio::io_context& io;
  int attempts = 0;
};

TEST(RequeueFilter, ABackendThatNacksEverythingGetsAtMostTheBudgetedExtraAttempts) {
  boost::asio::io_context io;
  auto clock = std::make_shared<ManualClock>();
  auto below = std::make_unique<Nacking>(io);
  Nacking* nacking = below.get();
  auto filter = requeueFilter(std::move(below), {.max_requeues = 3},
                              std::make_shared<RetryBudget>(options(clock, 0.2, 1)));
  int nacked = 0;
  for (int i = 0; i < 1000; ++i) {
    filter->call(Request{}, [&](std::exception_ptr e, Response) {
      try {
        std::rethrow_exception(e);
      } catch (const NackError&) {
        ++nacked;
      }
    });
  }
  io.run();
  EXPECT_EQ(nacked, 1000);  // every call fails with the NACK it could not requeue
  // 1000 first attempts, plus 20% of them (200) plus the floor (1/s x 10 s): 1210, not 4000.
  EXPECT_EQ(nacking->attempts, 1210);
}

TEST(RequeueFilter, RequeuesUpToTheCapWhenTheBudgetAllows) {
  boost::asio::io_context io;
  auto below = std::make_unique<Nacking>(io);
  Nacking* nacking = below.get();
  auto filter =
      requeueFilter(std::move(below), {.max_requeues = 3}, std::make_shared<RetryBudget>());
  filter->call(Request{}, [](std::exception_ptr, Response) {});
  io.run();
  EXPECT_EQ(nacking->attempts, 4);
}

}  // namespace
}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// The deadline filter over a scripted service, and the one-timer queue behind it: calls time out
// at their own deadlines in any order, calls that finish first never fire, and a call without a
// deadline gets the filter's default.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "resilience/deadline_queue.h"
#include "scales/core/errors.h"
#include "scales/resilience/timeout.h"
#include "unit/resilience/scripted_service.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;
using testing::hold;
using testing::reply;
using testing::ScriptedService;

struct Recorded final : DeadlineQueue::Entry {
  Recorded(std::vector<int>& fired, int id) : log(fired), name(id) {}
  void expired() override {
    log.push_back(name);
    at = Clock::now();
  }
  std::vector<int>& log;
  int name;
  Clock::time_point at{};
};

TEST(DeadlineQueue, FiresEachEntryAtItsDeadlineInDeadlineOrder) {
  boost::asio::io_context io;
  auto queue = std::make_shared<DeadlineQueue>(io.get_executor());
  std::vector<int> fired;
  Recorded late(fired, 3), early(fired, 1), middle(fired, 2), gone(fired, 4);
  auto start = Clock::now();
  // Added out of order: the earlier ones must re-arm the one timer.
  queue->add(late, start + 60ms);
  queue->add(middle, start + 40ms);
  queue->add(gone, start + 30ms);
  queue->add(early, start + 20ms);
  gone.leave();  // finished before its deadline
  io.run();
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(early.at, start + 20ms);
  EXPECT_GE(middle.at, start + 40ms);
  EXPECT_GE(late.at, start + 60ms);
  EXPECT_FALSE(late.waiting());
}

TEST(DeadlineQueue, DeadlinesInOrderAndOutOfOrderFireTogetherInDeadlineOrder) {
  boost::asio::io_context io;
  auto queue = std::make_shared<DeadlineQueue>(io.get_executor());
  std::vector<int> fired;
  std::vector<std::unique_ptr<Recorded>> entries;
  auto start = Clock::now();
  // Each no earlier than the last one in the list goes at its end (10, 50, 70, 80); the others
  // are placed by deadline (30, 20, 60).
  for (int ms : {10, 50, 30, 70, 20, 60, 80}) {
    entries.push_back(std::make_unique<Recorded>(fired, ms));
    queue->add(*entries.back(), start + std::chrono::milliseconds(ms));
  }
  entries[1]->leave();  // 50: finished before its deadline
  entries[4]->leave();  // 20
  entries[6].reset();   // 80: destroyed while waiting
  io.run();
  EXPECT_EQ(fired, (std::vector<int>{10, 30, 60, 70}));
  for (const auto& entry : entries) {
    if (!entry) continue;
    EXPECT_FALSE(entry->waiting());
    if (entry->at != Clock::time_point{}) {
      EXPECT_GE(entry->at, start + std::chrono::milliseconds(entry->name));
    }
  }
}

// An entry whose expiry starts another call, as a caller retrying on timeout does.
struct Restarting final : DeadlineQueue::Entry {
  Restarting(DeadlineQueue& q, DeadlineQueue::Entry& n, Clock::time_point at)
      : queue(q), next(n), next_at(at) {}
  void expired() override { queue.add(next, next_at); }
  DeadlineQueue& queue;
  DeadlineQueue::Entry& next;
  Clock::time_point next_at;
};

TEST(DeadlineQueue, AnEntryAddedWhileOneExpiresDoesNotDelayTheOthers) {
  boost::asio::io_context io;
  auto queue = std::make_shared<DeadlineQueue>(io.get_executor());
  std::vector<int> fired;
  auto start = Clock::now();
  Recorded later_call(fired, 2), waiting(fired, 1);
  Restarting first(*queue, later_call, start + 10s);
  queue->add(first, start + 10ms);
  queue->add(waiting, start + 30ms);
  // The timer fires for `first`, whose expiry adds a call due in 10 s: `waiting` still fires at
  // 30 ms, not after the new call's deadline.
  while (fired.empty() && io.run_one_for(std::chrono::seconds(5))) {
  }
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_LT(waiting.at, start + 5s);
  later_call.leave();
}

TEST(DeadlineQueue, EntriesAndQueueMayDieInEitherOrder) {
  boost::asio::io_context io;
  std::vector<int> fired;
  auto queue = std::make_shared<DeadlineQueue>(io.get_executor());
  {
    Recorded shortlived(fired, 1);
    queue->add(shortlived, Clock::now() + 10ms);
  }  // unlinks itself
  Recorded outlives(fired, 2);
  queue->add(outlives, Clock::now() + 10ms);
  queue.reset();  // the pending timer's handler must not touch it
  io.run();
  EXPECT_TRUE(fired.empty());
  EXPECT_FALSE(outlives.waiting());
}

struct Outcome {
  std::exception_ptr error;
  bool done = false;
};

TEST(DeadlineFilter, CallsWithoutADeadlineGetTheDefault) {
  boost::asio::io_context io;
  auto below = std::make_unique<ScriptedService>(io, std::deque<testing::Step>{}, hold());
  auto* service = below.get();
  auto filter = deadlineFilter(std::move(below), io.get_executor(), nullptr, 30ms);
  Outcome held, own;
  auto start = Clock::now();
  filter->call(Request{}, [&](std::exception_ptr e, Response) { held = {e, true}; });
  Request with_own;
  with_own.deadline = Deadline::after(10ms);
  filter->call(std::move(with_own), [&](std::exception_ptr e, Response) { own = {e, true}; });
  io.run();
  ASSERT_TRUE(held.done && own.done);
  EXPECT_THROW(std::rethrow_exception(held.error), TimeoutError);
  EXPECT_THROW(std::rethrow_exception(own.error), TimeoutError);
  EXPECT_GE(Clock::now() - start, 30ms);
  EXPECT_EQ(service->cancelled, 2);  // both attempts were told to let go
}

TEST(DeadlineFilter, AnsweredCallsNeverTimeOut) {
  boost::asio::io_context io;
  auto below = std::make_unique<ScriptedService>(io, std::deque<testing::Step>{}, reply("ok", 1ms));
  auto filter = deadlineFilter(std::move(below), io.get_executor(), nullptr, 20ms);
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    filter->call(Request{}, [&](std::exception_ptr e, Response r) {
      if (!e && r.payload == "ok") ++ok;
    });
  }
  // Run past every deadline: none of the answered calls may hear from the timer.
  io.run_for(60ms);
  EXPECT_EQ(ok, 100);
}

}  // namespace
}  // namespace scales::resilience

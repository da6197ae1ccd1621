// SPDX-License-Identifier: Apache-2.0
// Backup requests over a scripted service: a slow first copy is hedged after the window's
// percentile, the first good reply wins and the loser is cancelled; no backups without enough
// history, without budget, or when off.
#include <gtest/gtest.h>

#include "scales/resilience/backup.h"
#include "unit/resilience/scripted_service.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;
using testing::fail;
using testing::reply;
using testing::ScriptedService;
using testing::Step;

struct Harness {
  Harness(std::deque<Step> script, int64_t history, RetryBudgetOptions budget_options = {},
          BackupOptions options = {.percentile = 90, .min_delay = 1ms, .min_samples = 50}) {
    for (int64_t i = 0; i < history; ++i) latencies->record(2ms);
    auto below = std::make_unique<ScriptedService>(io, std::move(script), reply());
    service = below.get();
    filter = backupFilter(std::move(below), options, std::make_shared<RetryBudget>(budget_options),
                          counters, latencies, io.get_executor());
  }

  std::pair<std::exception_ptr, std::string> call() {
    std::pair<std::exception_ptr, std::string> out;
    Request request;
    request.deadline = Deadline::after(5s);
    filter->call(std::move(request), [&](std::exception_ptr e, Response r) {
      out = {e, std::move(r.payload)};
    });
    io.run();
    io.restart();
    return out;
  }

  boost::asio::io_context io;
  std::shared_ptr<LatencyWindow> latencies = std::make_shared<LatencyWindow>();
  std::shared_ptr<AttemptCounters> counters = std::make_shared<AttemptCounters>();
  ScriptedService* service = nullptr;
  std::unique_ptr<RpcService> filter;
};

TEST(BackupFilter, ASlowFirstCopyIsHedgedAndTheLoserCancelled) {
  Harness h({reply("slow", 2s), reply("backup")}, 100);
  auto started = Clock::now();
  auto [error, payload] = h.call();
  EXPECT_FALSE(error);
  EXPECT_EQ(payload, "backup");
  EXPECT_LT(Clock::now() - started, 1s);  // not the slow copy's 2 s
  EXPECT_EQ(h.service->attempts, 2);
  EXPECT_EQ(h.service->kinds[1], AttemptKind::kBackup);
  EXPECT_EQ(h.service->cancelled, 1);
  EXPECT_EQ(h.counters->backups->value(), 1);
}

TEST(BackupFilter, AFastReplyNeedsNoBackup) {
  Harness h({reply("fast")}, 100);
  // A p90 of 500 ms: "fast" stays fast even on a loaded machine under ASan (at 2 ms it did not).
  for (int i = 0; i < 100; ++i) h.latencies->record(500ms);
  EXPECT_EQ(h.call().second, "fast");
  EXPECT_EQ(h.service->attempts, 1);
}

TEST(BackupFilter, AReplyClassifiedAFailureWaitsForTheOtherCopy) {
  Step fast_503{nullptr, "503", Duration::zero(), false, ReplyClass::failed("http", false, 503)};
  Harness h({reply("late", 100ms), fast_503}, 100);
  auto [error, payload] = h.call();
  EXPECT_FALSE(error);
  EXPECT_EQ(payload, "late") << "a fast 503 from the backup must not win";

  // When the other copy fails too, the classified reply is the answer (it says more).
  Step slow_reset{std::make_exception_ptr(ConnectionError("reset")), "", 100ms, false, {}};
  Harness both({slow_reset, fast_503}, 100);
  auto [both_error, both_payload] = both.call();
  EXPECT_FALSE(both_error);
  EXPECT_EQ(both_payload, "503");
}

TEST(BackupFilter, AFailedCopyWaitsForTheOther) {
  Harness h({reply("late", 100ms), fail<ConnectionError>("reset")}, 100);
  auto [error, payload] = h.call();
  EXPECT_FALSE(error);
  EXPECT_EQ(payload, "late");
}

TEST(BackupFilter, NoBackupsWithoutHistory) {
  Harness h({reply("slow", 50ms)}, 10);
  EXPECT_EQ(h.call().second, "slow");
  EXPECT_EQ(h.service->attempts, 1);
}

TEST(BackupFilter, NoBackupsWithoutBudget) {
  RetryBudgetOptions empty;
  empty.min_retries_per_second = 0;
  empty.percent_can_retry = 0;
  Harness h({reply("slow", 50ms)}, 100, empty);
  EXPECT_EQ(h.call().second, "slow");
  EXPECT_EQ(h.service->attempts, 1);
  EXPECT_EQ(h.counters->budget_exhausted->value(), 1);
}

TEST(BackupFilter, OffMeansTheServiceItself) {
  boost::asio::io_context io;
  auto below = std::make_unique<ScriptedService>(io, std::deque<Step>{}, reply());
  auto* raw = below.get();
  auto filter = backupFilter(std::move(below), {}, std::make_shared<RetryBudget>(),
                             std::make_shared<AttemptCounters>(), std::make_shared<LatencyWindow>(),
                             io.get_executor());
  EXPECT_EQ(filter.get(), raw);
  EXPECT_THROW(backupFilter(std::make_unique<ScriptedService>(io, std::deque<Step>{}, reply()),
                            {.percentile = 100}, std::make_shared<RetryBudget>(),
                            std::make_shared<AttemptCounters>(), std::make_shared<LatencyWindow>(),
                            io.get_executor()),
               ConfigError);
}

}  // namespace
}  // namespace scales::resilience

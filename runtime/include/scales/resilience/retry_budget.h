// SPDX-License-Identifier: Apache-2.0
// The retry budget (Finagle's RetryBudget): one per client, shared by everything that sends a
// call again (requeues today; retries and backup requests draw on the same budget), so that a
// failing backend cannot make the client multiply its own traffic. Every request deposits; every
// extra attempt withdraws. By default extra attempts may add 20% to the request rate, plus a
// floor of 10 per second so that a quiet client can still retry, over a 10 s window.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "scales/core/coarse_clock.h"
#include "scales/core/deadline.h"
#include "scales/metrics/registry.h"

namespace scales::resilience {

struct RetryBudgetOptions {
  Duration ttl = std::chrono::seconds(10);  // how long a deposit counts (1 s to 60 s)
  double min_retries_per_second = 10;
  double percent_can_retry = 0.2;  // 0: only the per-second floor
  // Shadow mode: a withdrawal the spent budget would refuse is granted and counted
  // (shadow_refusals{limit="retry_budget"}), so the budget can be tuned on live traffic.
  bool shadow = false;
  // Coarse: deposits land in one-second slots.
  std::function<Clock::time_point()> clock = [] { return coarseNow(); };
  void validate() const;  // throws ConfigError
};

// What the budget's users did: metrics "calls", "requeues", "retries", "backups" and
// "budget_exhausted" under `labels` in `registry` (or unregistered counters, without one).
struct AttemptCounters {
  AttemptCounters() = default;
  AttemptCounters(metrics::Registry& registry, const metrics::Labels& labels);

  std::shared_ptr<metrics::Counter> calls = std::make_shared<metrics::Counter>();
  std::shared_ptr<metrics::Counter> requeues = std::make_shared<metrics::Counter>();
  std::shared_ptr<metrics::Counter> retries = std::make_shared<metrics::Counter>();
  std::shared_ptr<metrics::Counter> backups = std::make_shared<metrics::Counter>();
  std::shared_ptr<metrics::Counter> budget_exhausted = std::make_shared<metrics::Counter>();
  // Retries not made because the call's inbound call was itself a retry (retry_within_retry).
  std::shared_ptr<metrics::Counter> retries_declined_under_retry =
      std::make_shared<metrics::Counter>();
};

class RetryBudget {
 public:
  // Throws ConfigError for a ttl outside [1 s, 60 s] or a negative rate.
  explicit RetryBudget(RetryBudgetOptions options = {});

  void deposit();  // once per request
  // Once per extra attempt; false: the budget is spent, do not retry. In shadow mode, true even
  // then, and the refusal counted.
  bool tryWithdraw();
  // Where shadow mode counts what it would have refused (none: not counted).
  void countShadowRefusals(std::shared_ptr<metrics::Counter> counter) {
    shadow_refusals_ = std::move(counter);
  }
  // Extra attempts the budget allows right now.
  int64_t available() const;

 private:
  // Deposits live in one-second slots over the ttl (Finagle's leaky token bucket).
  void advance() const;
  int64_t sum() const;

  RetryBudgetOptions options_;
  int64_t deposit_;   // per request
  int64_t withdraw_;  // per retry
  int64_t reserve_;   // the per-second floor, always available
  mutable std::vector<int64_t> slots_;
  mutable int64_t current_second_ = 0;
  std::shared_ptr<metrics::Counter> shadow_refusals_;
};

}  // namespace scales::resilience

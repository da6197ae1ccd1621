// SPDX-License-Identifier: Apache-2.0
// Failure accrual (Finagle's FailureAccrualFactory): a node that fails `consecutive_failures`
// times in a row, or whose success rate (an average over about the last `success_rate_requests`
// results) falls below
// `required_success_rate`, is marked dead for a backoff that grows with each relapse (jittered,
// capped). When the backoff ends the node is let back in on probation: its next result decides
// whether it lives again (and the backoff resets) or dies for a longer backoff. Pure logic; the
// node owns the timer and tells its balancer.
#pragma once

#include <cstdint>

#include "scales/core/deadline.h"

namespace scales::resilience {

struct FailureAccrualOptions {
  int consecutive_failures = 5;      // Finagle's default; 0 turns this trigger off
  double required_success_rate = 0;  // e.g. 0.8; 0 turns this trigger off
  int success_rate_requests = 100;   // the average's window, in results
  int min_requests = 10;             // results needed before the success rate may trigger
  Duration backoff_initial = std::chrono::seconds(5);  // Finagle: jittered 5 s ...
  Duration backoff_max = std::chrono::seconds(300);    // ... up to 300 s
};

class FailureAccrual {
 public:
  enum class State { kAlive, kDead, kProbing };

  explicit FailureAccrual(const FailureAccrualOptions& options, uint64_t seed = 0);

  // Returns true when this failure marks the node dead; backoff() then says for how long.
  // `unreachable` (the connection could not be made or broke) marks it dead at once.
  bool recordFailure(bool unreachable = false);
  void recordSuccess();
  // The backoff ended: the node is on probation until its next result.
  void startProbing();

  State state() const { return state_; }
  Duration backoff() const { return backoff_; }
  int consecutiveFailures() const { return consecutive_; }
  double successRate() const { return success_rate_; }

 private:
  bool markDead();
  void observe(double outcome);

  FailureAccrualOptions options_;
  uint64_t rng_;
  State state_ = State::kAlive;
  int consecutive_ = 0;
  int relapses_ = 0;  // deaths since the node last lived normally
  int seen_ = 0;
  double success_rate_ = 1.0;
  Duration backoff_{};
};

}  // namespace scales::resilience

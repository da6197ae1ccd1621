// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/failure_accrual.h"

#include <algorithm>
#include <cmath>

#include "scales/core/trace_context.h"

namespace scales::resilience {

// Without a seed, one from randomId()'s per-thread generator: a std::random_device per endpoint
// (a system call each) was 60% of the time a client took to take in 10,000 new endpoints.
FailureAccrual::FailureAccrual(const FailureAccrualOptions& options, uint64_t seed)
    : options_(options), rng_(seed != 0 ? seed : randomId() | 1) {}

// An average over results rather than time: a burst of failures counts the same whether it
// arrives in a millisecond or a minute (a time-windowed average barely moves in a fast burst).
void FailureAccrual::observe(double outcome) {
  double alpha = 2.0 / (std::max(1, options_.success_rate_requests) + 1.0);
  success_rate_ += alpha * (outcome - success_rate_);
  ++seen_;
}

void FailureAccrual::recordSuccess() {
  observe(1.0);
  consecutive_ = 0;
  if (state_ != State::kAlive) {  // probation passed, or a dead node answered after all
    state_ = State::kAlive;
    relapses_ = 0;
    seen_ = 0;  // a revived node starts a fresh success-rate history
    success_rate_ = 1.0;
  }
}

bool FailureAccrual::recordFailure(bool unreachable) {
  observe(0.0);
  ++consecutive_;
  if (state_ == State::kDead) return false;  // a call that was already out
  if (state_ == State::kProbing || unreachable) return markDead();
  bool by_count =
      options_.consecutive_failures > 0 && consecutive_ >= options_.consecutive_failures;
  bool by_rate = options_.required_success_rate > 0 && seen_ >= options_.min_requests &&
                 success_rate_ < options_.required_success_rate;
  return (by_count || by_rate) ? markDead() : false;
}

void FailureAccrual::startProbing() {
  if (state_ == State::kDead) state_ = State::kProbing;
}

bool FailureAccrual::markDead() {
  state_ = State::kDead;
  // Exponential with "equal jitter": half the step fixed, half random, so that many clients who
  // saw the same outage do not all probe at the same instant.
  double step = std::chrono::duration<double>(options_.backoff_initial).count() *
                std::pow(2.0, std::min(relapses_, 30));
  step = std::min(step, std::chrono::duration<double>(options_.backoff_max).count());
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  double unit = static_cast<double>(rng_ >> 11) * 0x1.0p-53;
  backoff_ = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(step * (0.5 + 0.5 * unit)));
  ++relapses_;
  consecutive_ = 0;
  return true;
}

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// The classic circuit breaker, per endpoint: closed while failures are rare; `max_failures`
// failures within `time_unit` open it, and an open breaker refuses calls for `reset_timeout`;
// then it is half-open and lets exactly one call through, whose result closes it or opens it
// again. Pure logic over a clock; the node owns the timer and tells its balancer. Off by default
// (failure accrual already retires failing endpoints); turn it on where users expect a breaker.
#pragma once

#include <functional>
#include <vector>

#include "scales/core/deadline.h"

namespace scales::resilience {

struct CircuitBreakerOptions {
  int max_failures = 0;  // 0: no breaker
  Duration time_unit = std::chrono::seconds(10);
  Duration reset_timeout = std::chrono::seconds(30);
  // Shadow mode: the breaker opens and closes as usual on the results of the calls it would
  // have let through, but never refuses a call or takes its endpoint out; the calls it would
  // have refused are counted (shadow_refusals{limit="circuit_breaker"}).
  bool shadow = false;
  std::function<Clock::time_point()> clock = [] { return Clock::now(); };
  void validate() const;  // throws ConfigError
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(CircuitBreakerOptions options);

  bool enabled() const { return options_.max_failures > 0; }
  // Whether a call may start now. Open turns half-open once reset_timeout has passed; half-open
  // admits one call (the probe) and refuses the rest until its result.
  bool tryAcquire();
  // Returns true when this result changed the state.
  bool recordSuccess();
  bool recordFailure();
  // The half-open probe ended without a verdict (e.g. its caller cancelled it): admit another.
  void releaseProbe() { probe_out_ = false; }

  State state() const { return state_; }
  // Whether tryAcquire() would admit a call now (without taking the half-open probe).
  bool admitting() const {
    return state_ == State::kClosed ||
           (state_ == State::kOpen && options_.clock() >= reopensAt()) ||
           (state_ == State::kHalfOpen && !probe_out_);
  }
  // When an open breaker turns half-open.
  Clock::time_point reopensAt() const { return opened_at_ + options_.reset_timeout; }
  const CircuitBreakerOptions& options() const { return options_; }

 private:
  bool open();

  CircuitBreakerOptions options_;
  State state_ = State::kClosed;
  bool probe_out_ = false;
  std::vector<Clock::time_point> failures_;  // the last max_failures failures, a ring
  size_t next_ = 0;
  Clock::time_point opened_at_{};
};

}  // namespace scales::resilience

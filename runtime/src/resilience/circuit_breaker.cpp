// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/circuit_breaker.h"

#include "scales/core/errors.h"

namespace scales::resilience {

void CircuitBreakerOptions::validate() const {
  if (max_failures < 0) throw ConfigError("breaker max_failures must not be negative");
  if (max_failures > 0 && (time_unit <= Duration::zero() || reset_timeout <= Duration::zero())) {
    throw ConfigError("breaker time_unit and reset_timeout must be positive");
  }
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options) : options_(std::move(options)) {
  options_.validate();
  failures_.reserve(static_cast<size_t>(options_.max_failures));
}

bool CircuitBreaker::tryAcquire() {
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (options_.clock() < reopensAt()) return false;
      state_ = State::kHalfOpen;
      probe_out_ = false;
      [[fallthrough]];
    case State::kHalfOpen:
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return false;
}

bool CircuitBreaker::recordSuccess() {
  if (state_ != State::kHalfOpen) return false;
  state_ = State::kClosed;
  probe_out_ = false;
  failures_.clear();
  next_ = 0;
  return true;
}

bool CircuitBreaker::recordFailure() {
  if (!enabled()) return false;
  auto now = options_.clock();
  if (state_ == State::kHalfOpen) return open();
  if (state_ == State::kOpen) return false;
  // Open when the oldest of the last max_failures failures is within time_unit.
  auto size = static_cast<size_t>(options_.max_failures);
  if (failures_.size() < size) {
    failures_.push_back(now);
  } else {
    failures_[next_] = now;
  }
  next_ = (next_ + 1) % size;
  if (failures_.size() < size) return false;
  auto oldest = failures_[next_];
  return now - oldest <= options_.time_unit ? open() : false;
}

bool CircuitBreaker::open() {
  state_ = State::kOpen;
  probe_out_ = false;
  opened_at_ = options_.clock();
  failures_.clear();
  next_ = 0;
  return true;
}

}  // namespace scales::resilience

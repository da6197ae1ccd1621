// SPDX-License-Identifier: Apache-2.0
// An absolute point on the monotonic clock by which a call must finish. Travels with the Request
// so that every layer (retries, pools, transports) works against the same budget.
#pragma once

#include <chrono>

namespace scales {

using Clock = std::chrono::steady_clock;
using Duration = Clock::duration;

class Deadline {
 public:
  // No deadline: the call may take forever.
  Deadline() = default;
  explicit Deadline(Clock::time_point at) : at_(at) {}

  static Deadline infinite() { return Deadline(); }
  static Deadline after(Duration d) { return Deadline(Clock::now() + d); }

  bool isInfinite() const { return at_ == Clock::time_point::max(); }
  bool expired() const { return !isInfinite() && Clock::now() >= at_; }
  Clock::time_point at() const { return at_; }

  // Time left, never negative; Duration::max() when infinite.
  Duration remaining() const {
    if (isInfinite()) return Duration::max();
    auto left = at_ - Clock::now();
    return left < Duration::zero() ? Duration::zero() : left;
  }

  // The earlier of two deadlines.
  static Deadline earliest(Deadline a, Deadline b) { return a.at_ < b.at_ ? a : b; }

 private:
  Clock::time_point at_ = Clock::time_point::max();
};

}  // namespace scales

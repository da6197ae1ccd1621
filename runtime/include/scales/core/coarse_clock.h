// SPDX-License-Identifier: Apache-2.0
// The monotonic clock read at the kernel tick's resolution (1-4 ms), on the same timeline as
// Clock (std::chrono::steady_clock is CLOCK_MONOTONIC) at a quarter of the cost of Clock::now().
// For windows and budgets measured in seconds that are read on every call: the balancer's
// smoothing, the retry budget's deposits, and the wall-clock deadline Mux sends along. Latencies
// and deadlines themselves use Clock::now().
#pragma once

#include <time.h>

#include <cstdint>

#include "scales/core/deadline.h"

namespace scales {

inline Clock::time_point coarseNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::duration_cast<Duration>(
      std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// Wall-clock time, nanoseconds since the Unix epoch, at the same coarse resolution.
inline int64_t coarseWallNanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace scales

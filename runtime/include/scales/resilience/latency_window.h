// SPDX-License-Identifier: Apache-2.0
// LatencyWindow: percentiles of recent call latencies, for deciding when to send a backup request
// and whether a retry still fits in what is left of a deadline. The metrics histogram's buckets
// (8 per doubling, 1 us to ~134 s) over two half-windows: recording is O(1), and what a
// percentile reflects is between one half and one whole window old.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "scales/core/deadline.h"
#include "scales/metrics/metric.h"

namespace scales::resilience {

class LatencyWindow {
 public:
  explicit LatencyWindow(
      Duration window = std::chrono::seconds(10),
      std::function<Clock::time_point()> clock = [] { return Clock::now(); });

  void record(Duration latency) { record(latency, clock_()); }
  // For callers that have just read the clock (it is not free on the hot path).
  void record(Duration latency, Clock::time_point now);
  // The latency `percentile` (0-100) of the calls recorded in the window, rounded up to its
  // bucket's upper bound (within 9%); nullopt until `min_samples` calls are in the window.
  std::optional<Duration> percentile(double percentile, int64_t min_samples = 1) const;
  int64_t count() const;

 private:
  using Buckets = std::array<int64_t, metrics::HistogramSnapshot::kBuckets>;
  void rotate(Clock::time_point now) const;

  Duration half_;
  std::function<Clock::time_point()> clock_;
  mutable Buckets current_{};
  mutable Buckets previous_{};
  mutable Clock::time_point current_started_;
};

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// An adaptive concurrency limit: Netflix concurrency-limits' Gradient2, the algorithm Envoy's
// adaptive concurrency filter also follows. The limit follows measured latency: while the recent
// round trip stays within `tolerance` of the long-term one, the limit grows by a small queue's
// worth; when it rises above that (the server queues), the limit shrinks in proportion, by at
// most half per update, smoothed. Samples are aggregated per window of `window_samples` calls
// (their mean round trip, their peak concurrency). Unlike Netflix's, a window with less than
// half the limit in flight may shrink the limit, never grow it. Pure logic: the concurrency_limit
// layer feeds it and enforces its limit per endpoint.
#pragma once

#include <cstddef>

#include "scales/core/deadline.h"

namespace scales::resilience {

struct AdaptiveLimitOptions {
  bool enabled = false;
  size_t initial_limit = 20;
  size_t min_limit = 1;
  size_t max_limit = 1000;
  // How much slower than the long-term round trip the recent one may be before the limit shrinks
  // (Netflix's rttTolerance).
  double tolerance = 1.5;
  // How much of each update's new estimate replaces the old (0 < smoothing <= 1).
  double smoothing = 0.2;
  // Calls per update; and the long-term average's span, in updates.
  size_t window_samples = 10;
  size_t long_window = 600;
  // Throws ConfigError for limits out of order, a tolerance below 1, a smoothing outside (0, 1]
  // or a zero window.
  void validate() const;
};

class Gradient2Limit {
 public:
  explicit Gradient2Limit(const AdaptiveLimitOptions& options);

  size_t limit() const { return static_cast<size_t>(estimate_); }
  // One call's round trip, and how many calls were in flight when it started. Returns true when
  // the limit changed.
  bool sample(Duration rtt, size_t in_flight);

  double longRttNanos() const { return long_rtt_; }

 private:
  bool update(double short_rtt, size_t in_flight);

  AdaptiveLimitOptions options_;
  double estimate_;
  double long_rtt_ = 0;  // nanoseconds; an average over the first updates, then an EMA
  size_t long_samples_ = 0;
  double window_sum_ = 0;
  size_t window_count_ = 0;
  size_t window_peak_in_flight_ = 0;
};

}  // namespace scales::resilience

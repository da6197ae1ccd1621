// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/adaptive_limit.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
// The long-term average starts as a plain mean of this many updates (Netflix's warm-up).
constexpr size_t kWarmup = 10;
// The most calls that may queue at the server on top of the estimate (Netflix's queueSize).
constexpr double kQueueSize = 4;
}  // namespace

void AdaptiveLimitOptions::validate() const {
  if (min_limit < 1 || min_limit > max_limit || initial_limit < min_limit ||
      initial_limit > max_limit) {
    throw ConfigError("adaptive concurrency needs 1 <= min_limit <= initial_limit <= max_limit");
  }
  if (!(tolerance >= 1)) throw ConfigError("adaptive_tolerance must be at least 1");
  if (!(smoothing > 0 && smoothing <= 1)) {
    throw ConfigError("adaptive_smoothing must be in (0, 1]");
  }
  if (window_samples == 0 || long_window == 0) {
    throw ConfigError("adaptive concurrency windows must not be empty");
  }
}

Gradient2Limit::Gradient2Limit(const AdaptiveLimitOptions& options)
    : options_(options), estimate_(static_cast<double>(options.initial_limit)) {
  options_.validate();
}

bool Gradient2Limit::sample(Duration rtt, size_t in_flight) {
  window_sum_ += static_cast<double>(std::chrono::nanoseconds(rtt).count());
  window_peak_in_flight_ = std::max(window_peak_in_flight_, in_flight);
  if (++window_count_ < options_.window_samples) return false;
  double short_rtt = std::max(1.0, window_sum_ / static_cast<double>(window_count_));
  size_t peak = window_peak_in_flight_;
  window_sum_ = 0;
  window_count_ = 0;
  window_peak_in_flight_ = 0;
  return update(short_rtt, peak);
}

bool Gradient2Limit::update(double short_rtt, size_t in_flight) {
  ++long_samples_;
  if (long_samples_ <= kWarmup) {
    long_rtt_ += (short_rtt - long_rtt_) / static_cast<double>(long_samples_);
  } else {
    double factor = 2.0 / (static_cast<double>(options_.long_window) + 1.0);
    long_rtt_ = long_rtt_ * (1 - factor) + short_rtt * factor;
  }
  // Back from a long overload, the long-term average is far above the recent one: pull it down
  // faster than the average would, so the limit recovers.
  if (long_rtt_ / short_rtt > 2) long_rtt_ *= 0.95;
  double gradient = std::clamp(options_.tolerance * long_rtt_ / short_rtt, 0.5, 1.0);
  // A client that does not use half its limit says nothing about how far the server could go:
  // no growth then. (Netflix skips the update altogether, but then a client whose callers never
  // fill more than half the limit it grew to would never shrink it, however slow the server.)
  bool app_limited = static_cast<double>(in_flight) < estimate_ / 2;
  if (gradient >= 1.0 && app_limited) return false;
  // The calls that may queue at the server on top of the estimate: up to 4 (Netflix's
  // queueSize), fewer for a small limit, so that a limit can settle near a small capacity
  // (with 4, a gradient of 0.5 keeps it at 8 at least).
  double queue = std::clamp(std::sqrt(estimate_), 1.0, kQueueSize);
  double next = estimate_ * gradient + queue;
  next = estimate_ * (1 - options_.smoothing) + next * options_.smoothing;
  if (app_limited) next = std::min(next, estimate_);
  next = std::clamp(next, static_cast<double>(options_.min_limit),
                    static_cast<double>(options_.max_limit));
  bool changed = static_cast<size_t>(next) != static_cast<size_t>(estimate_);
  estimate_ = next;
  return changed;
}

}  // namespace scales::resilience

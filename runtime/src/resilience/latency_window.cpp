// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/latency_window.h"

#include <cmath>

namespace scales::resilience {

LatencyWindow::LatencyWindow(Duration window, std::function<Clock::time_point()> clock)
    : half_(window / 2), clock_(std::move(clock)), current_started_(clock_()) {}

namespace {
using metrics::HistogramSnapshot;

size_t bucketOf(Duration latency) {
  return HistogramSnapshot::bucketOf(
      std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
}

Duration upperBound(size_t bucket) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double, std::micro>(HistogramSnapshot::upperBoundMicros(bucket)));
}
}  // namespace

void LatencyWindow::rotate(Clock::time_point now) const {
  if (now - current_started_ < half_) return;
  if (now - current_started_ < 2 * half_) {
    previous_ = current_;
  } else {
    previous_.fill(0);  // idle for a whole window: nothing recent is left
  }
  current_.fill(0);
  current_started_ = now;
}

void LatencyWindow::record(Duration latency, Clock::time_point now) {
  rotate(now);
  ++current_[bucketOf(latency)];
}

int64_t LatencyWindow::count() const {
  rotate(clock_());
  int64_t total = 0;
  for (size_t i = 0; i < current_.size(); ++i) total += current_[i] + previous_[i];
  return total;
}

std::optional<Duration> LatencyWindow::percentile(double percentile, int64_t min_samples) const {
  int64_t total = count();
  if (total == 0 || total < min_samples) return std::nullopt;
  auto rank = static_cast<int64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  int64_t seen = 0;
  for (size_t i = 0; i < current_.size(); ++i) {
    seen += current_[i] + previous_[i];
    if (seen >= rank) return upperBound(i);
  }
  return upperBound(current_.size() - 1);
}

}  // namespace scales::resilience

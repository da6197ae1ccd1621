// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/latency_window.h"

#include <bit>
#include <cmath>

namespace scales::resilience {

LatencyWindow::LatencyWindow(Duration window, std::function<Clock::time_point()> clock)
    : half_(window / 2), clock_(std::move(clock)), current_started_(clock_()) {}

size_t LatencyWindow::bucketOf(Duration latency) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  if (micros < 1) return 0;
  auto value = static_cast<uint64_t>(micros);
  int octave = std::bit_width(value) - 1;  // value in [2^octave, 2^(octave+1))
  if (octave >= kOctaves) return kSubBuckets * kOctaves;
  // Which eighth of the octave: the three bits after the leading one.
  uint64_t sub = octave >= 3 ? (value >> (octave - 3)) & 7 : (value << (3 - octave)) & 7;
  return static_cast<size_t>(octave) * kSubBuckets + sub + 1;
}

Duration LatencyWindow::upperBound(size_t bucket) {
  if (bucket == 0) return std::chrono::microseconds(1);
  size_t octave = (bucket - 1) / kSubBuckets;
  size_t sub = (bucket - 1) % kSubBuckets;
  double micros =
      std::ldexp(1.0 + static_cast<double>(sub + 1) / kSubBuckets, static_cast<int>(octave));
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::micro>(micros));
}

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

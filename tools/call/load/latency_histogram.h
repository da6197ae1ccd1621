// SPDX-License-Identifier: Apache-2.0
// Latencies in microseconds, in log-linear buckets (128 per power of two: under 0.8% error), so a
// load run of any length keeps a fixed 60 KiB however many calls it makes; percentiles read the
// bucket's upper bound (never flattering), capped at the largest value recorded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace scales::call {

class LatencyHistogram {
 public:
  void record(uint64_t micros);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  double mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / count_; }
  // The value at quantile q (0..1]: 0 when empty.
  uint64_t percentile(double q) const;

  // Counts in power-of-two ranges, for a histogram chart: (upper bound, count), from the range
  // holding the smallest value to the one holding the largest.
  std::vector<std::pair<uint64_t, uint64_t>> powersOfTwo() const;

 private:
  // Values below 2^kSubBits get a bucket each; each power of two above, 2^(kSubBits-1) buckets.
  static constexpr int kSubBits = 8;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * (1 << (kSubBits - 1)) + (1 << kSubBits);
  static size_t indexOf(uint64_t v);
  static uint64_t upperOf(size_t index);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace scales::call

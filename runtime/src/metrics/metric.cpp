// SPDX-License-Identifier: Apache-2.0
#include "scales/metrics/metric.h"

#include <bit>
#include <cmath>

namespace scales::metrics {

size_t HistogramSnapshot::bucketOf(int64_t micros) {
  if (micros < 1) return 0;
  auto value = static_cast<uint64_t>(micros);
  int octave = std::bit_width(value) - 1;  // value in [2^octave, 2^(octave+1))
  if (octave >= kOctaves) return kBuckets - 1;
  // Which eighth of the octave: the three bits after the leading one.
  uint64_t sub = octave >= 3 ? (value >> (octave - 3)) & 7 : (value << (3 - octave)) & 7;
  return static_cast<size_t>(octave) * kSubBuckets + sub + 1;
}

double HistogramSnapshot::upperBoundMicros(size_t bucket) {
  if (bucket == 0) return 1.0;
  size_t octave = (bucket - 1) / kSubBuckets;
  size_t sub = (bucket - 1) % kSubBuckets;
  return std::ldexp(1.0 + static_cast<double>(sub + 1) / kSubBuckets, static_cast<int>(octave));
}

void HistogramSnapshot::merge(const HistogramSnapshot& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum_micros += other.sum_micros;
}

double HistogramSnapshot::percentileMicros(double p) const {
  int64_t total = 0;
  for (auto b : buckets) total += b;
  if (total == 0) return 0;
  auto rank = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  int64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return upperBoundMicros(i);
  }
  return upperBoundMicros(kBuckets - 1);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  s.count = count_.load(std::memory_order_relaxed);
  s.sum_micros = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace scales::metrics

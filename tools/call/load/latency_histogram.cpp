// SPDX-License-Identifier: Apache-2.0
#include "load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace scales::call {

// Values under 2^8 have a bucket each; above, v >> e (e = its bit width - 8) is in [128, 255],
// and bucket e * 128 + (v >> e) holds every value sharing those top 8 bits.
size_t LatencyHistogram::indexOf(uint64_t v) {
  constexpr uint64_t kExact = uint64_t{1} << kSubBits;
  if (v < kExact) return static_cast<size_t>(v);
  int e = std::bit_width(v) - kSubBits;
  return static_cast<size_t>(e) * (kExact / 2) + static_cast<size_t>(v >> e);
}

uint64_t LatencyHistogram::upperOf(size_t index) {
  constexpr size_t kExact = size_t{1} << kSubBits;
  if (index < kExact) return index;
  size_t e = (index - kExact / 2) / (kExact / 2);
  uint64_t top = index - e * (kExact / 2);
  if (e >= 64 - kSubBits) return UINT64_MAX;  // the last bucket reaches the end of the range
  return ((top + 1) << e) - 1;
}

void LatencyHistogram::record(uint64_t micros) {
  ++buckets_[indexOf(micros)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
  min_ = std::min(min_, micros);
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  auto rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * count_));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(upperOf(i), max_);
  }
  return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> LatencyHistogram::powersOfTwo() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (count_ == 0) return out;
  // Range k holds [2^(k-1), 2^k - 1] (range 0 holds 0).
  auto rangeOf = [](uint64_t v) { return static_cast<size_t>(std::bit_width(v)); };
  size_t first = rangeOf(min()), last = rangeOf(max_);
  for (size_t k = first; k <= last; ++k) {
    out.emplace_back(k >= 64 ? UINT64_MAX : (uint64_t{1} << k) - 1, 0);
  }
  for (size_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] == 0) continue;
    // Every value of a bucket shares its bit width: the bucket's upper bound tells its range.
    size_t k = std::clamp(rangeOf(upperOf(i)), first, last);
    out[k - first].second += buckets_[i];
  }
  return out;
}

}  // namespace scales::call

// SPDX-License-Identifier: Apache-2.0
// The three kinds of metric ("varz"): counters, gauges and latency histograms. Recording is a
// relaxed atomic add, so the client's event loop records without locks and an exporter on
// another thread reads without stopping it. A histogram has fixed memory: log-linear buckets, 8
// per doubling from 1 us to ~134 s, so percentiles are within 1/8 of the truth.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "scales/core/deadline.h"

namespace scales::metrics {

class Counter {
 public:
  void add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A histogram's contents at one moment; also what aggregation adds up.
struct HistogramSnapshot {
  static constexpr int kSubBuckets = 8;
  static constexpr int kOctaves = 27;
  static constexpr size_t kBuckets = kSubBuckets * kOctaves + 1;

  std::array<int64_t, kBuckets> buckets{};
  int64_t count = 0;
  int64_t sum_micros = 0;

  void merge(const HistogramSnapshot& other);
  // The `p` percentile (0-100) in microseconds, as its bucket's upper bound; 0 when empty.
  double percentileMicros(double p) const;
  static size_t bucketOf(int64_t micros);
  static double upperBoundMicros(size_t bucket);
};

class Histogram {
 public:
  void record(Duration latency) {
    recordMicros(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
  }
  void recordMicros(int64_t micros) {
    buckets_[HistogramSnapshot::bucketOf(micros)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(micros, std::memory_order_relaxed);
  }
  HistogramSnapshot snapshot() const;

 private:
  std::array<std::atomic<int64_t>, HistogramSnapshot::kBuckets> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_{0};
};

}  // namespace scales::metrics

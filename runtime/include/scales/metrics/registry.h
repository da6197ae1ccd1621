// SPDX-License-Identifier: Apache-2.0
// The metrics registry: metrics keyed by name and labels (service, endpoint, ...). Whoever
// records holds the metric (a shared_ptr) and records without touching the registry; the
// registry's lock is taken only to create a metric or take a snapshot. A metric that only the
// registry still holds (its endpoint left the serverset, its client closed) is forgotten at the
// next snapshot, so memory stays bounded by what is alive; a forgotten counter's or histogram's
// counts live on under endpoint="retired", so service-level totals never go backwards.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "scales/metrics/metric.h"

namespace scales::metrics {

// Label pairs in a fixed order, e.g. {{"service", "Echo"}, {"endpoint", "10.0.0.1:9090"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct MetricKey {
  std::string name;  // e.g. "requests", "latency_us"
  Labels labels;
  auto operator<=>(const MetricKey&) const = default;
};

// Values at one moment, sorted by key.
struct Snapshot {
  struct Value {
    MetricKey key;
    int64_t value = 0;
  };
  struct Distribution {
    MetricKey key;
    HistogramSnapshot histogram;
  };
  std::vector<Value> counters;
  std::vector<Value> gauges;
  std::vector<Distribution> histograms;
};

class Registry {
 public:
  // The metric under this key, created on first use; the same object for the same key.
  std::shared_ptr<Counter> counter(std::string name, Labels labels);
  std::shared_ptr<Gauge> gauge(std::string name, Labels labels);
  std::shared_ptr<Histogram> histogram(std::string name, Labels labels);

  Snapshot snapshot();

 private:
  std::mutex mutex_;
  std::map<MetricKey, std::shared_ptr<Counter>> counters_;
  std::map<MetricKey, std::shared_ptr<Gauge>> gauges_;
  std::map<MetricKey, std::shared_ptr<Histogram>> histograms_;
  std::map<MetricKey, int64_t> retired_counters_;
  std::map<MetricKey, HistogramSnapshot> retired_histograms_;
};

// The process-wide registry clients record into unless configured otherwise.
Registry& defaultRegistry();

}  // namespace scales::metrics

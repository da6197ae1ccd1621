// SPDX-License-Identifier: Apache-2.0
// What to do with a snapshot: roll endpoint metrics up (to the service, by default), and write
// them as Prometheus text exposition format or JSON. A Reporter hands snapshots to the
// application's own metrics system on a schedule, instead of (or besides) exporting them.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "scales/metrics/registry.h"

namespace scales::metrics {

// Maps a metric's labels to the labels it is rolled into; nullopt drops the metric.
using KeySelector = std::function<std::optional<Labels>(const Labels&)>;

// The default: every label but "endpoint", so a service's endpoints add up to the service.
std::optional<Labels> byService(const Labels& labels);

// Sums counters, gauges and histograms that the selector maps to the same labels.
Snapshot aggregate(const Snapshot& snapshot, const KeySelector& select = byService);

// Counters as `<prefix><name>_total`, gauges as `<prefix><name>`, histograms as summaries with
// quantiles 0.5, 0.9, 0.99 and 0.999 plus `_sum` and `_count`; one # TYPE line per family.
std::string prometheusText(const Snapshot& snapshot, const std::string& prefix = "scales_");

// {"counters": [{"name", "labels": {...}, "value"}], "gauges": [...], "histograms": [{"name",
// "labels", "count", "sum_us", "p50_us", "p90_us", "p99_us", "p999_us"}]}
std::string jsonText(const Snapshot& snapshot);

// Calls `sink` with a snapshot (aggregated by `select`, if given) every `interval`, on its own
// thread, until destroyed: the hook that routes metrics into an application's own system.
class Reporter {
 public:
  Reporter(Registry& registry, Duration interval, std::function<void(const Snapshot&)> sink,
           KeySelector select = nullptr);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scales::metrics

// SPDX-License-Identifier: Apache-2.0
#include "scales/metrics/registry.h"

#include <algorithm>

namespace scales::metrics {
namespace {

template <class Metric>
std::shared_ptr<Metric> findOrAdd(std::map<MetricKey, std::shared_ptr<Metric>>& metrics,
                                  std::string name, Labels labels) {
  MetricKey key{std::move(name), std::move(labels)};
  auto it = metrics.find(key);
  if (it == metrics.end()) it = metrics.emplace(std::move(key), std::make_shared<Metric>()).first;
  return it->second;
}

// Reads each metric, or, when nobody records into it any more, forgets it (after `retire`).
template <class Metric, class Read, class Retire>
void collect(std::map<MetricKey, std::shared_ptr<Metric>>& metrics, Read read, Retire retire) {
  for (auto it = metrics.begin(); it != metrics.end();) {
    if (it->second.use_count() == 1) {
      retire(it->first, *it->second);
      it = metrics.erase(it);
    } else {
      read(it->first, *it->second);
      ++it;
    }
  }
}

// The key a forgotten endpoint's counts are kept under.
MetricKey retiredKey(MetricKey key) {
  for (auto& [label, value] : key.labels) {
    if (label == "endpoint") value = "retired";
  }
  return key;
}

}  // namespace

std::shared_ptr<Counter> Registry::counter(std::string name, Labels labels) {
  std::lock_guard lock(mutex_);
  return findOrAdd(counters_, std::move(name), std::move(labels));
}

std::shared_ptr<Gauge> Registry::gauge(std::string name, Labels labels) {
  std::lock_guard lock(mutex_);
  return findOrAdd(gauges_, std::move(name), std::move(labels));
}

std::shared_ptr<Histogram> Registry::histogram(std::string name, Labels labels) {
  std::lock_guard lock(mutex_);
  return findOrAdd(histograms_, std::move(name), std::move(labels));
}

Snapshot Registry::snapshot() {
  Snapshot out;
  std::lock_guard lock(mutex_);
  collect(
      counters_,
      [&](const MetricKey& key, const Counter& c) {
        out.counters.push_back({key, c.value()});
      },
      [&](const MetricKey& key, const Counter& c) {
        retired_counters_[retiredKey(key)] += c.value();
      });
  collect(
      gauges_,
      [&](const MetricKey& key, const Gauge& g) {
        out.gauges.push_back({key, g.value()});
      },
      [](const MetricKey&, const Gauge&) {});
  collect(
      histograms_,
      [&](const MetricKey& key, const Histogram& h) {
        out.histograms.push_back({key, h.snapshot()});
      },
      [&](const MetricKey& key, const Histogram& h) {
        retired_histograms_[retiredKey(key)].merge(h.snapshot());
      });
  for (const auto& [key, value] : retired_counters_) out.counters.push_back({key, value});
  for (const auto& [key, histogram] : retired_histograms_) {
    out.histograms.push_back({key, histogram});
  }
  // Sorted, and a retired count under the key of a live metric (a client made again under the
  // same name) added to it.
  auto byKey = [](const auto& a, const auto& b) { return a.key < b.key; };
  std::sort(out.counters.begin(), out.counters.end(), byKey);
  std::sort(out.histograms.begin(), out.histograms.end(), byKey);
  auto fold = [](auto& list, auto add) {
    size_t kept = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (kept > 0 && list[kept - 1].key == list[i].key) {
        add(list[kept - 1], list[i]);
      } else {
        if (kept != i) list[kept] = std::move(list[i]);
        ++kept;
      }
    }
    list.resize(kept);
  };
  fold(out.counters, [](auto& into, const auto& from) { into.value += from.value; });
  fold(out.histograms, [](auto& into, const auto& from) { into.histogram.merge(from.histogram); });
  return out;
}

Registry& defaultRegistry() {
  static Registry registry;
  return registry;
}

}  // namespace scales::metrics

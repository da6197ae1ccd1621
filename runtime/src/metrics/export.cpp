// SPDX-License-Identifier: Apache-2.0
#include "scales/metrics/export.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace scales::metrics {

std::optional<Labels> byService(const Labels& labels) {
  Labels out;
  for (const auto& label : labels) {
    if (label.first != "endpoint") out.push_back(label);
  }
  return out;
}

Snapshot aggregate(const Snapshot& snapshot, const KeySelector& select) {
  std::map<MetricKey, int64_t> counters, gauges;
  std::map<MetricKey, HistogramSnapshot> histograms;
  auto rolled = [&select](const MetricKey& key) -> std::optional<MetricKey> {
    auto labels = select(key.labels);
    if (!labels) return std::nullopt;
    return MetricKey{key.name, std::move(*labels)};
  };
  for (const auto& v : snapshot.counters) {
    if (auto key = rolled(v.key)) counters[*key] += v.value;
  }
  for (const auto& v : snapshot.gauges) {
    if (auto key = rolled(v.key)) gauges[*key] += v.value;
  }
  for (const auto& d : snapshot.histograms) {
    if (auto key = rolled(d.key)) histograms[*key].merge(d.histogram);
  }
  Snapshot out;
  for (auto& [key, value] : counters) out.counters.push_back({key, value});
  for (auto& [key, value] : gauges) out.gauges.push_back({key, value});
  for (auto& [key, histogram] : histograms) out.histograms.push_back({key, histogram});
  return out;
}

namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string labelText(const Labels& labels, const std::string& extra = "") {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  if (!extra.empty()) {
    if (out.size() > 1) out += ',';
    out += extra;
  }
  return out + "}";
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

template <class List, class Write>
void families(std::string& out, const List& list, const std::string& prefix, const char* type,
              const char* suffix, Write write) {
  std::string family;
  for (const auto& entry : list) {
    std::string name = prefix + entry.key.name;
    if (name != family) {
      family = name;
      out += "# TYPE " + name + suffix + " " + type + "\n";
    }
    write(name + suffix, entry);
  }
}

}  // namespace

std::string prometheusText(const Snapshot& snapshot, const std::string& prefix) {
  std::string out;
  families(out, snapshot.counters, prefix, "counter", "_total",
           [&](const std::string& name, const Snapshot::Value& v) {
             out += name + labelText(v.key.labels) + " " + std::to_string(v.value) + "\n";
           });
  families(out, snapshot.gauges, prefix, "gauge", "",
           [&](const std::string& name, const Snapshot::Value& v) {
             out += name + labelText(v.key.labels) + " " + std::to_string(v.value) + "\n";
           });
  families(out, snapshot.histograms, prefix, "summary", "",
           [&](const std::string& name, const Snapshot::Distribution& d) {
             for (double q : {0.5, 0.9, 0.99, 0.999}) {
               out += name + labelText(d.key.labels, "quantile=\"" + number(q) + "\"") + " " +
                      number(d.histogram.percentileMicros(q * 100)) + "\n";
             }
             out += name + "_sum" + labelText(d.key.labels) + " " +
                    std::to_string(d.histogram.sum_micros) + "\n";
             out += name + "_count" + labelText(d.key.labels) + " " +
                    std::to_string(d.histogram.count) + "\n";
           });
  return out;
}

std::string jsonText(const Snapshot& snapshot) {
  using nlohmann::json;
  auto labels = [](const Labels& l) {
    json object = json::object();
    for (const auto& [name, value] : l) object[name] = value;
    return object;
  };
  json out = {
      {"counters", json::array()}, {"gauges", json::array()}, {"histograms", json::array()}};
  for (const auto& v : snapshot.counters) {
    out["counters"].push_back(
        {{"name", v.key.name}, {"labels", labels(v.key.labels)}, {"value", v.value}});
  }
  for (const auto& v : snapshot.gauges) {
    out["gauges"].push_back(
        {{"name", v.key.name}, {"labels", labels(v.key.labels)}, {"value", v.value}});
  }
  for (const auto& d : snapshot.histograms) {
    const auto& h = d.histogram;
    out["histograms"].push_back({{"name", d.key.name},
                                 {"labels", labels(d.key.labels)},
                                 {"count", h.count},
                                 {"sum_us", h.sum_micros},
                                 {"p50_us", h.percentileMicros(50)},
                                 {"p90_us", h.percentileMicros(90)},
                                 {"p99_us", h.percentileMicros(99)},
                                 {"p999_us", h.percentileMicros(99.9)}});
  }
  return out.dump();
}

Reporter::Reporter(Registry& registry, Duration interval, std::function<void(const Snapshot&)> sink,
                   KeySelector select) {
  thread_ =
      std::thread([this, &registry, interval, sink = std::move(sink), select = std::move(select)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
          lock.unlock();
          auto snapshot = registry.snapshot();
          sink(select ? aggregate(snapshot, select) : snapshot);
          lock.lock();
        }
      });
}

Reporter::~Reporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace scales::metrics

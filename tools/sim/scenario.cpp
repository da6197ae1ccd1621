// SPDX-License-Identifier: Apache-2.0
// The scenario's names and words: metric names for scenario files and checks, run names, and the
// descriptions the table and the chart print (one place, so both say the same).
#include "sim/scenario.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

namespace scales::sim {
namespace {

constexpr std::array<std::pair<Metric, std::string_view>, 9> kMetricNames{{
    {Metric::kP50, "p50"},
    {Metric::kP99, "p99"},
    {Metric::kP999, "p999"},
    {Metric::kMaxShare, "max_share"},
    {Metric::kMinShare, "min_share"},
    {Metric::kWatchedP99, "watched_p99"},
    {Metric::kWatchedShare, "watched_share"},
    {Metric::kWatchedMaxQueue, "watched_max_queue"},
    {Metric::kRefused, "refused"},
}};

// 15 -> "15", 2.5 -> "2.5", 13.333 -> "13.33": short enough for a header or a chart label.
std::string number(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  return buf;
}

template <class T>
std::string range(T lo, T hi, const char* unit) {
  std::string out = number(static_cast<double>(lo));
  if (hi != lo) out += "-" + number(static_cast<double>(hi));
  return out + unit;
}

}  // namespace

std::string_view metricName(Metric metric) {
  for (const auto& [m, name] : kMetricNames) {
    if (m == metric) return name;
  }
  return "?";
}

bool metricFromName(std::string_view name, Metric& out) {
  for (const auto& [m, n] : kMetricNames) {
    if (n == name) {
      out = m;
      return true;
    }
  }
  return false;
}

std::string metricNames() {
  std::string out;
  for (const auto& [m, name] : kMetricNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

int watchedBackend(const Scenario& scenario) {
  if (scenario.watch >= 0) return scenario.watch;
  for (const auto& e : scenario.events) {
    if (e.kind != ChangeKind::kRate) return e.backend;
  }
  return -1;
}

std::vector<Variant> runVariants(const Scenario& scenario) {
  if (!scenario.variants.empty()) return scenario.variants;
  return {Variant{.name = "", .clients = scenario.client_settings}};
}

std::string runName(const std::string& policy, const std::string& variant) {
  return variant.empty() ? policy : policy + "/" + variant;
}

std::string describeSetup(const Scenario& s) {
  int min_workers = 0, max_workers = 0;
  double min_ms = 0, max_ms = 0;
  for (size_t i = 0; i < s.backends.size(); ++i) {
    const BackendSpec& b = s.backends[i];
    if (i == 0 || b.workers < min_workers) min_workers = b.workers;
    if (i == 0 || b.workers > max_workers) max_workers = b.workers;
    if (i == 0 || b.latency_ms < min_ms) min_ms = b.latency_ms;
    if (i == 0 || b.latency_ms > max_ms) max_ms = b.latency_ms;
  }
  return std::to_string(s.clients) + (s.clients == 1 ? " client -> " : " clients -> ") +
         std::to_string(s.backends.size()) +
         (s.backends.size() == 1 ? " backend (" : " backends (") +
         range(min_workers, max_workers, " workers, ") + range(min_ms, max_ms, " ms), ") +
         number(s.rate) + " calls/s for " + number(s.duration_s) + " s";
}

std::string describeEvent(const ScenarioEvent& e, bool short_form) {
  std::string who = short_form ? "b" + std::to_string(e.backend) + " "
                               : "backend " + std::to_string(e.backend) + ": ";
  switch (e.kind) {
    case ChangeKind::kLatencyFactor: {
      std::string out = who + (short_form ? "x" : "latency x") + number(e.value);
      if (e.over > 0) out += " over " + number(e.over) + " s";
      return out;
    }
    case ChangeKind::kWorkers:
      return who + number(e.value) + (e.value == 1 ? " worker" : " workers");
    case ChangeKind::kJoin:
      return who + (short_form ? "joins" : "joins the clients' sets");
    case ChangeKind::kLeave:
      return who + (short_form ? "leaves" : "leaves the clients' sets");
    case ChangeKind::kRate:
      return (short_form ? "" : "clients: ") + number(e.value) + " calls/s";
  }
  return who;
}

}  // namespace scales::sim

// SPDX-License-Identifier: Apache-2.0
// Builds the flags' scenarios. The numbers are the ones the simulator has always used, so the
// results (and the figures docs/balancing.md quotes) stay what they were.
#include "sim/builtin_scenarios.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace scales::sim {
namespace {

template <class... Args>
std::string text(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

// Alike backends but for their latency, 8 to 12 ms in turn, so that the policies face some
// unevenness even before anything changes.
Scenario base(const BuiltinOptions& o) {
  Scenario s;
  s.duration_s = o.seconds;
  s.seed = o.seed;
  s.clients = o.clients;
  s.rate = o.rate;
  for (int b = 0; b < o.backends; ++b) {
    s.backends.push_back({.workers = o.workers, .latency_ms = 8.0 + (b % 5), .present = true});
  }
  return s;
}

ScenarioEvent latency(double at, double factor, double over = 0) {
  return {
      .at = at, .kind = ChangeKind::kLatencyFactor, .backend = 0, .value = factor, .over = over};
}

}  // namespace

Scenario slowBackendScenario(const BuiltinOptions& o) {
  Scenario s = base(o);
  s.name = "slow_backend";
  s.description = text("Backend 0 gets %gx slower from 15 s to 45 s.", o.slow_factor);
  s.events = {latency(15, o.slow_factor), latency(45, 1)};
  s.checks = {{.metric = Metric::kP99, .run = "p2c_ewma", .below = "round_robin", .factor = 1},
              {.metric = Metric::kP99, .run = "aperture", .below = "round_robin", .factor = 1}};
  return s;
}

Scenario coldJoinScenario(const BuiltinOptions& o) {
  Scenario s = base(o);
  s.name = "cold_join";
  s.description = text(
      "Backend 0 joins a third of the way in with cold caches, %gx slower and warming up over "
      "%g s; each policy without and with a %g s slow start window.",
      o.cold_factor, o.warm_seconds, o.slow_start_s);
  s.backends[0].present = false;
  const double at = o.seconds / 3;
  s.events = {{.at = at, .kind = ChangeKind::kJoin, .backend = 0, .value = 0, .over = 0},
              latency(at, o.cold_factor),
              latency(at, 1, o.warm_seconds)};
  ClientSettings on;
  on.slow_start_window_ms = std::llround(o.slow_start_s * 1000);
  s.variants = {{.name = "off", .clients = {}}, {.name = "on", .clients = on}};
  s.checks = {{.metric = Metric::kWatchedP99,
               .run = "round_robin/on",
               .below = "round_robin/off",
               .factor = 1}};
  return s;
}

Scenario capacityDropScenario(const BuiltinOptions& o) {
  Scenario s = base(o);
  s.name = "capacity_drop";
  // The simulator has always slowed backend 0 down from 15 s to 45 s in this scenario too (its
  // slow_backend change applied to every scenario but the cold join); kept, and said, so that the
  // results stay the ones docs/balancing.md quotes.
  s.description = text(
      "Backend 0 keeps %d of its %d workers from a third of the way in, and is %gx slower from "
      "15 s to 45 s; each policy with no concurrency limit per backend, a static one of %zu and "
      "an adaptive one.",
      o.drop_workers, o.workers, o.slow_factor, o.static_limit);
  s.events = {{.at = o.seconds / 3,
               .kind = ChangeKind::kWorkers,
               .backend = 0,
               .value = static_cast<double>(o.drop_workers),
               .over = 0},
              latency(15, o.slow_factor),
              latency(45, 1)};
  // In time order, as a scenario file's events are once read.
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const ScenarioEvent& a, const ScenarioEvent& b) { return a.at < b.at; });
  ClientSettings fixed, adaptive;
  fixed.max_concurrency = o.static_limit;
  adaptive.adaptive_concurrency = true;
  adaptive.adaptive_initial_limit = o.static_limit;
  s.variants = {{.name = "none", .clients = {}},
                {.name = "static", .clients = fixed},
                {.name = "adaptive", .clients = adaptive}};
  s.checks = {{.metric = Metric::kP99,
               .run = "round_robin/adaptive",
               .below = "round_robin/static",
               .factor = 0.75}};
  return s;
}

}  // namespace scales::sim

// SPDX-License-Identifier: Apache-2.0
// The simulator's scenario: the backends, what changes when, the clients, and what to compare.
// A plain comparable value, so that a test can hold a shipped scenario file equal to the built-in
// scenario it describes; scenario_file.h reads and writes it as JSON and engine.h runs it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scales::sim {

// One backend: `workers` calls served at once, the rest wait in arrival order. A call takes
// latency_ms x the backend's latency factor at its start x a jitter of mean 1 (0.5 + Exp(1) / 2),
// so a backend's capacity is about workers x 1000 / latency_ms calls per second.
struct BackendSpec {
  int workers = 8;
  double latency_ms = 10;
  bool present = true;  // false: out of every client's set until a join event
  bool operator==(const BackendSpec&) const = default;
};

enum class ChangeKind { kLatencyFactor, kWorkers, kJoin, kLeave, kRate };

// One change, `at` seconds from the start.
struct ScenarioEvent {
  double at = 0;
  ChangeKind kind = ChangeKind::kLatencyFactor;
  int backend = -1;  // every kind but kRate names a backend
  double value = 0;  // the latency factor, the workers or the total rate (calls per second)
  // kLatencyFactor: the seconds over which the factor moves linearly from what it was to `value`
  // (0: at once), e.g. caches warming after a join.
  double over = 0;
  bool operator==(const ScenarioEvent&) const = default;
};

// How every client treats every backend, after the client stack's options of the same names
// (docs/configuration.md).
struct ClientSettings {
  int64_t slow_start_window_ms = 0;   // 0: off
  size_t max_concurrency = 0;         // calls in flight per backend; beyond it calls are refused
  bool adaptive_concurrency = false;  // Gradient2's limit per backend replaces max_concurrency
  size_t adaptive_initial_limit = 20;
  bool operator==(const ClientSettings&) const = default;
};

// A named set of client settings: every policy is simulated under each variant in turn.
struct Variant {
  std::string name;
  ClientSettings clients = {};
  bool operator==(const Variant&) const = default;
};

// What a check or a table column reads from a run.
enum class Metric {
  kP50,
  kP99,
  kP999,
  kMaxShare,
  kMinShare,
  kWatchedP99,
  kWatchedShare,
  kWatchedMaxQueue,
  kRefused,
};
// The metric's name in scenario files ("p99", "watched_p99", ...) and back (false: unknown).
std::string_view metricName(Metric metric);
bool metricFromName(std::string_view name, Metric& out);
// Every metric name, comma-separated (for errors).
std::string metricNames();

// A claim the run must bear out (`scales-sim --check` fails otherwise): `metric` of run `run` is
// below `factor` x the same metric of run `below`. Runs are named "policy" or "policy/variant".
struct Check {
  Metric metric = Metric::kP99;
  std::string run;
  std::string below;
  double factor = 1;
  bool operator==(const Check&) const = default;
};

struct Scenario {
  std::string name;  // shown in the table's header and the chart's title
  std::string description;
  double duration_s = 60;  // calls start during this long; those in flight then still finish
  uint64_t seed = 1;
  int clients = 4;     // each with its own balancer over its own view of every backend
  double rate = 4000;  // calls per second over all clients (Poisson), until a rate event
  ClientSettings client_settings = {};
  std::vector<BackendSpec> backends;
  std::vector<ScenarioEvent> events;  // in time order (same time: file order)
  std::vector<std::string> policies;  // empty: every registered balancer
  std::vector<Variant> variants;      // empty: one run per policy with client_settings
  int watch = -1;  // the backend with its own columns; -1: the first one an event names
  std::vector<Check> checks;
  bool operator==(const Scenario&) const = default;
};

// The backend whose calls get their own columns (watch, else the first an event names; -1: none).
int watchedBackend(const Scenario& scenario);
// The variants to run: the scenario's, or one unnamed variant with its client settings.
std::vector<Variant> runVariants(const Scenario& scenario);
// "policy" or "policy/variant": how checks, the table and the chart's legend name a run.
std::string runName(const std::string& policy, const std::string& variant);
// One line about the set-up, e.g. "4 clients -> 10 backends (8 workers, 8-12 ms), 4000 calls/s
// for 60 s".
std::string describeSetup(const Scenario& scenario);
// An event in words, e.g. "backend 0: latency x10" (long) or "b0 x10" (short, for chart labels).
std::string describeEvent(const ScenarioEvent& event, bool short_form);

}  // namespace scales::sim

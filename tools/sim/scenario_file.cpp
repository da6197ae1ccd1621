// SPDX-License-Identifier: Apache-2.0
// Reads and writes scenario files (nlohmann-json). Every value is read through a helper that
// knows its JSON path, so each refusal names where the problem is; duplicate keys, which
// nlohmann-json would silently collapse to the last one, are caught while parsing.
#include "sim/scenario_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "scales/balancer/balancers.h"

namespace scales::sim {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr double kMaxSeconds = 3600;  // as --seconds: a longer simulation is better split
constexpr int kMaxBackends = 1000;
constexpr int kMaxClients = 1000;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ScenarioError(path + ": " + what);
}

// path.key, or path["odd key"] when the key is not an identifier.
std::string member(const std::string& path, std::string_view key) {
  bool plain = !key.empty() && (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_');
  for (char c : key) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? path + "." + std::string(key) : path + "[" + json(std::string(key)).dump() + "]";
}

std::string element(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string typeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

// As a user would write it: 10000000, not 1e+07; 2.5.
std::string shown(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  std::ostringstream out;
  out << v;
  return out.str();
}

using Keys = std::vector<std::string_view>;

// The client settings' keys, as a scenario's "clients" and each variant take them.
const Keys kSettingsKeys{"slow_start_window_ms", "max_concurrency", "adaptive_concurrency",
                         "adaptive_initial_limit"};

Keys operator+(Keys a, const Keys& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An object whose every key is one of `allowed`.
void object(const json& j, const std::string& path, const Keys& allowed) {
  if (!j.is_object()) fail(path, "expected an object, got " + typeName(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    std::string list;
    for (auto key : allowed) list += (list.empty() ? "" : ", ") + std::string(key);
    fail(member(path, it.key()), "unknown key (expected one of: " + list + ")");
  }
}

const json* find(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& require(const json& object, const std::string& path, std::string_view key,
                    const std::string& what) {
  const json* j = find(object, key);
  if (!j) fail(member(path, key), "missing (" + what + ")");
  return *j;
}

// Bounds for a number: [min, max], or (min, max] when min_exclusive.
struct Bounds {
  double min = 0;
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
};

void checkBounds(double v, const std::string& path, const Bounds& b) {
  bool ok = (b.min_exclusive ? v > b.min : v >= b.min) && v <= b.max;
  if (ok) return;
  std::string want;
  if (b.min_exclusive) {
    want = std::isinf(b.max) ? "above " + shown(b.min)
                             : "above " + shown(b.min) + " and at most " + shown(b.max);
  } else {
    want = std::isinf(b.max) ? "at least " + shown(b.min)
                             : "between " + shown(b.min) + " and " + shown(b.max);
  }
  fail(path, "must be " + want + ", got " + shown(v));
}

double number(const json& j, const std::string& path, const Bounds& bounds) {
  if (!j.is_number()) fail(path, "expected a number, got " + typeName(j));
  double v = j.get<double>();
  checkBounds(v, path, bounds);
  return v;
}

int64_t integer(const json& j, const std::string& path, int64_t min, int64_t max) {
  if (!j.is_number()) fail(path, "expected an integer, got " + typeName(j));
  double v = j.get<double>();
  if (j.is_number_float() && v != std::floor(v)) {
    fail(path, "expected an integer, got " + shown(v));
  }
  checkBounds(v, path, {static_cast<double>(min), static_cast<double>(max), false});
  return j.is_number_float() ? static_cast<int64_t>(v) : j.get<int64_t>();
}

uint64_t unsignedInteger(const json& j, const std::string& path) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_float() && j.get<double>() >= 0 &&
      j.get<double>() == std::floor(j.get<double>()) && j.get<double>() < 9007199254740992.0) {
    return static_cast<uint64_t>(j.get<double>());
  }
  if (j.is_number()) fail(path, "expected an integer of at least 0, got " + j.dump());
  fail(path, "expected an integer, got " + typeName(j));
}

bool boolean(const json& j, const std::string& path) {
  if (!j.is_boolean()) fail(path, "expected true or false, got " + typeName(j));
  return j.get<bool>();
}

std::string string(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "expected a string, got " + typeName(j));
  return j.get<std::string>();
}

const json& array(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "expected an array, got " + typeName(j));
  return j;
}

std::string policyIn(const json& j, const std::string& path) {
  std::string name = string(j, path);
  const auto& registry = balancer::balancerRegistry();
  if (!registry.contains(name)) {
    fail(path, "unknown balancer '" + name + "' (valid: " + registry.names() + ")");
  }
  return name;
}

ClientSettings readSettings(const json& j, const std::string& path, ClientSettings s) {
  if (auto* v = find(j, "slow_start_window_ms")) {
    s.slow_start_window_ms = integer(*v, member(path, "slow_start_window_ms"), 0, 3'600'000);
  }
  if (auto* v = find(j, "max_concurrency")) {
    s.max_concurrency =
        static_cast<size_t>(integer(*v, member(path, "max_concurrency"), 0, 1'000'000));
  }
  if (auto* v = find(j, "adaptive_concurrency")) {
    s.adaptive_concurrency = boolean(*v, member(path, "adaptive_concurrency"));
  }
  // Within Gradient2's default bounds (adaptive_min_limit 1, adaptive_max_limit 1000).
  if (auto* v = find(j, "adaptive_initial_limit")) {
    s.adaptive_initial_limit =
        static_cast<size_t>(integer(*v, member(path, "adaptive_initial_limit"), 1, 1000));
  }
  return s;
}

// One backend description (the object form, or one entry of the list form): `count` backends
// alike but for latency_ms, which may be a list taken in turn (8, 9, 10, 8, 9, ...).
void readBackends(const json& j, const std::string& path, bool count_required,
                  std::vector<BackendSpec>& out) {
  object(j, path, {"count", "workers", "latency_ms", "present"});
  int64_t count = 1;
  if (count_required) {
    count = integer(require(j, path, "count", "how many backends"), member(path, "count"), 1,
                    kMaxBackends);
  } else if (auto* v = find(j, "count")) {
    count = integer(*v, member(path, "count"), 1, kMaxBackends);
  }
  BackendSpec spec;
  if (auto* v = find(j, "workers")) {
    spec.workers = static_cast<int>(integer(*v, member(path, "workers"), 1, 100'000));
  }
  if (auto* v = find(j, "present")) spec.present = boolean(*v, member(path, "present"));
  std::vector<double> latencies{spec.latency_ms};
  if (auto* v = find(j, "latency_ms")) {
    const std::string lpath = member(path, "latency_ms");
    const Bounds bounds{0, 1e6, true};
    if (v->is_array()) {
      if (v->empty()) fail(lpath, "expected at least one latency");
      latencies.clear();
      for (size_t i = 0; i < v->size(); ++i) {
        latencies.push_back(number((*v)[i], element(lpath, i), bounds));
      }
    } else if (v->is_number()) {
      latencies = {number(*v, lpath, bounds)};
    } else {
      fail(lpath, "expected a number or an array of numbers, got " + typeName(*v));
    }
  }
  for (int64_t i = 0; i < count; ++i) {
    spec.latency_ms = latencies[static_cast<size_t>(i) % latencies.size()];
    out.push_back(spec);
    if (out.size() > static_cast<size_t>(kMaxBackends)) {
      fail(path, "more than " + std::to_string(kMaxBackends) + " backends in all");
    }
  }
}

std::vector<BackendSpec> readAllBackends(const json& j, const std::string& path) {
  std::vector<BackendSpec> out;
  if (j.is_object()) {
    readBackends(j, path, true, out);
  } else if (j.is_array()) {
    if (j.empty()) fail(path, "expected at least one backend");
    for (size_t i = 0; i < j.size(); ++i) readBackends(j[i], element(path, i), false, out);
  } else {
    fail(path, "expected an object (a count of alike backends) or an array of backends, got " +
                   typeName(j));
  }
  return out;
}

ScenarioEvent readEvent(const json& j, const std::string& path, size_t backends) {
  object(j, path, {"at", "backend", "latency_factor", "over", "workers", "join", "leave", "rate"});
  ScenarioEvent e;
  e.at = number(require(j, path, "at", "the event's time, in seconds from the start"),
                member(path, "at"), {0, kMaxSeconds, false});
  int kinds = 0;
  if (auto* v = find(j, "latency_factor")) {
    ++kinds;
    e.kind = ChangeKind::kLatencyFactor;
    e.value = number(*v, member(path, "latency_factor"), {0, 1e6, true});
  }
  if (auto* v = find(j, "workers")) {
    ++kinds;
    e.kind = ChangeKind::kWorkers;
    e.value = static_cast<double>(integer(*v, member(path, "workers"), 1, 100'000));
  }
  for (auto [key, kind] :
       {std::pair{"join", ChangeKind::kJoin}, std::pair{"leave", ChangeKind::kLeave}}) {
    if (auto* v = find(j, key)) {
      ++kinds;
      e.kind = kind;
      if (!boolean(*v, member(path, key))) {
        fail(member(path, key), "expected true (leave the key out for no change)");
      }
    }
  }
  if (auto* v = find(j, "rate")) {
    ++kinds;
    e.kind = ChangeKind::kRate;
    e.value = number(*v, member(path, "rate"), {0, 1e7, true});
  }
  if (kinds != 1) {
    fail(path, "expected exactly one change: latency_factor, workers, join, leave or rate");
  }
  if (auto* v = find(j, "over")) {
    if (e.kind != ChangeKind::kLatencyFactor) {
      fail(member(path, "over"), "only a latency_factor change takes place over time");
    }
    e.over = number(*v, member(path, "over"), {0, kMaxSeconds, false});
  }
  if (e.kind == ChangeKind::kRate) {
    if (find(j, "backend")) {
      fail(member(path, "backend"), "a rate change is the clients', not a backend's");
    }
    return e;
  }
  const std::string bpath = member(path, "backend");
  const json& b = require(j, path, "backend", "the index of the backend that changes");
  int64_t index =
      integer(b, bpath, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  if (index < 0 || index >= static_cast<int64_t>(backends)) {
    fail(bpath, "backend " + std::to_string(index) + " does not exist (the scenario has " +
                    std::to_string(backends) + ": 0 to " + std::to_string(backends - 1) + ")");
  }
  e.backend = static_cast<int>(index);
  return e;
}

// "policy" or "policy/variant", naming a run the scenario makes.
std::string runIn(const json& j, const std::string& path, const std::vector<Variant>& variants) {
  std::string name = string(j, path);
  auto slash = name.find('/');
  std::string policy = name.substr(0, slash);
  const auto& registry = balancer::balancerRegistry();
  if (!registry.contains(policy)) {
    fail(path, "unknown balancer '" + policy + "' (valid: " + registry.names() + ")");
  }
  std::string names;
  for (const auto& v : variants) names += (names.empty() ? "" : ", ") + v.name;
  if (slash == std::string::npos) {
    if (!variants.empty()) fail(path, "name a variant too: " + policy + "/<" + names + ">");
    return name;
  }
  if (variants.empty()) fail(path, "the scenario has no variants: name the policy alone");
  std::string variant = name.substr(slash + 1);
  bool known = std::any_of(variants.begin(), variants.end(),
                           [&](const Variant& v) { return v.name == variant; });
  if (!known) fail(path, "unknown variant '" + variant + "' (variants: " + names + ")");
  return name;
}

Scenario fromJson(const json& root) {
  const std::string p = "scenario";
  object(root, p,
         {"name", "description", "duration", "seed", "clients", "backends", "events", "policies",
          "variants", "watch", "checks"});
  Scenario s;
  if (auto* v = find(root, "name")) s.name = string(*v, member(p, "name"));
  if (auto* v = find(root, "description")) s.description = string(*v, member(p, "description"));
  if (auto* v = find(root, "duration")) {
    s.duration_s = number(*v, member(p, "duration"), {0, kMaxSeconds, true});
  }
  if (auto* v = find(root, "seed")) s.seed = unsignedInteger(*v, member(p, "seed"));

  if (auto* c = find(root, "clients")) {
    const std::string cpath = member(p, "clients");
    object(*c, cpath, Keys{"count", "rate"} + kSettingsKeys);
    if (auto* v = find(*c, "count")) {
      s.clients = static_cast<int>(integer(*v, member(cpath, "count"), 1, kMaxClients));
    }
    if (auto* v = find(*c, "rate")) s.rate = number(*v, member(cpath, "rate"), {0, 1e7, true});
    s.client_settings = readSettings(*c, cpath, s.client_settings);
  }

  s.backends = readAllBackends(
      require(root, p, "backends", "a count of alike backends, or a list of backends"),
      member(p, "backends"));

  if (auto* v = find(root, "events")) {
    const std::string epath = member(p, "events");
    const json& events = array(*v, epath);
    for (size_t i = 0; i < events.size(); ++i) {
      s.events.push_back(readEvent(events[i], element(epath, i), s.backends.size()));
    }
    // In time order, simultaneous changes in file order; then every join must find its backend
    // out of service and every leave in service, or the file does not mean what it says.
    std::vector<size_t> order(s.events.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return s.events[a].at < s.events[b].at; });
    std::vector<bool> present;
    for (const auto& b : s.backends) present.push_back(b.present);
    for (size_t i : order) {
      const ScenarioEvent& e = s.events[i];
      if (e.kind != ChangeKind::kJoin && e.kind != ChangeKind::kLeave) continue;
      bool joining = e.kind == ChangeKind::kJoin;
      auto b = static_cast<size_t>(e.backend);
      if (present[b] == joining) {
        fail(element(epath, i),
             "backend " + std::to_string(b) + (joining ? " is already" : " is not") +
                 " in service at " + shown(e.at) +
                 (joining ? " s (a backend that joins starts with \"present\": false or leaves "
                            "first)"
                          : " s"));
      }
      present[b] = joining;
    }
    std::vector<ScenarioEvent> sorted;
    for (size_t i : order) sorted.push_back(s.events[i]);
    s.events = std::move(sorted);
  }

  if (auto* v = find(root, "policies")) {
    const std::string ppath = member(p, "policies");
    const json& policies = array(*v, ppath);
    for (size_t i = 0; i < policies.size(); ++i) {
      std::string name = policyIn(policies[i], element(ppath, i));
      if (std::find(s.policies.begin(), s.policies.end(), name) != s.policies.end()) {
        fail(element(ppath, i), "'" + name + "' is listed twice");
      }
      s.policies.push_back(std::move(name));
    }
  }

  if (auto* v = find(root, "variants")) {
    const std::string vpath = member(p, "variants");
    const json& variants = array(*v, vpath);
    for (size_t i = 0; i < variants.size(); ++i) {
      const std::string path = element(vpath, i);
      object(variants[i], path, Keys{"name"} + kSettingsKeys);
      Variant variant;
      const std::string npath = member(path, "name");
      variant.name = string(require(variants[i], path, "name", "the variant's name"), npath);
      if (variant.name.empty() || variant.name.find('/') != std::string::npos) {
        fail(npath, "expected a non-empty name without '/'");
      }
      for (const auto& other : s.variants) {
        if (other.name == variant.name) fail(npath, "'" + variant.name + "' is used twice");
      }
      variant.clients = readSettings(variants[i], path, s.client_settings);
      s.variants.push_back(std::move(variant));
    }
  }

  if (auto* v = find(root, "watch")) {
    s.watch = static_cast<int>(
        integer(*v, member(p, "watch"), 0, static_cast<int64_t>(s.backends.size()) - 1));
  }

  if (auto* v = find(root, "checks")) {
    const std::string cpath = member(p, "checks");
    const json& checks = array(*v, cpath);
    for (size_t i = 0; i < checks.size(); ++i) {
      const std::string path = element(cpath, i);
      object(checks[i], path, {"metric", "run", "below", "factor"});
      Check check;
      const std::string mpath = member(path, "metric");
      std::string metric =
          string(require(checks[i], path, "metric", "one of " + metricNames()), mpath);
      if (!metricFromName(metric, check.metric)) {
        fail(mpath, "unknown metric '" + metric + "' (valid: " + metricNames() + ")");
      }
      check.run = runIn(require(checks[i], path, "run", "the run that should be lower"),
                        member(path, "run"), s.variants);
      check.below = runIn(require(checks[i], path, "below", "the run to compare with"),
                          member(path, "below"), s.variants);
      if (auto* f = find(checks[i], "factor")) {
        check.factor = number(*f, member(path, "factor"), {0, 1e6, true});
      }
      s.checks.push_back(std::move(check));
    }
  }
  return s;
}

// Parses strictly: duplicate keys are refused with their path. nlohmann-json reports each key
// as it parses; a stack of the containers open at the time gives the path.
json parseStrict(std::string_view text) {
  struct Frame {
    bool array = false;
    size_t index = 0;      // the next element's, in an array
    std::string key = {};  // the last key read, in an object
    std::set<std::string> keys = {};
    std::string path = {};
  };
  std::vector<Frame> stack;
  auto here = [&]() -> std::string {
    if (stack.empty()) return "scenario";
    const Frame& f = stack.back();
    return f.array ? element(f.path, f.index) : member(f.path, f.key);
  };
  auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        stack.push_back(Frame{.array = event == json::parse_event_t::array_start,
                              .index = 0,
                              .key = {},
                              .keys = {},
                              .path = here()});
        break;
      case json::parse_event_t::key: {
        std::string key = parsed.get<std::string>();
        if (!stack.back().keys.insert(key).second) {
          fail(member(stack.back().path, key), "duplicate key");
        }
        stack.back().key = std::move(key);
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        if (!stack.empty() && stack.back().array) ++stack.back().index;
        break;
      case json::parse_event_t::value:
        if (!stack.empty() && stack.back().array) ++stack.back().index;
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag.
    std::string what = e.what();
    auto tag_end = what.find("] ");
    throw ScenarioError("invalid JSON: " +
                        (tag_end == std::string::npos ? what : what.substr(tag_end + 2)));
  }
}

// Whole numbers as integers (15, not 15.0): the file a user starts from reads as they would
// write it.
ordered_json num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) return static_cast<int64_t>(v);
  return v;
}

// One line, with a space after each colon and comma: {"at": 15, "backend": 0}.
std::string compact(const ordered_json& j) {
  std::string out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      out += (out.empty() ? "{" : ", ") + ordered_json(it.key()).dump() + ": " + compact(*it);
    }
    return out.empty() ? "{}" : out + "}";
  }
  if (j.is_array()) {
    for (const auto& e : j) out += (out.empty() ? "[" : ", ") + compact(e);
    return out.empty() ? "[]" : out + "]";
  }
  return j.dump();
}

// The settings that differ from `base`.
void writeSettings(ordered_json& out, const ClientSettings& s, const ClientSettings& base) {
  if (s.slow_start_window_ms != base.slow_start_window_ms) {
    out["slow_start_window_ms"] = s.slow_start_window_ms;
  }
  if (s.max_concurrency != base.max_concurrency) out["max_concurrency"] = s.max_concurrency;
  if (s.adaptive_concurrency != base.adaptive_concurrency) {
    out["adaptive_concurrency"] = s.adaptive_concurrency;
  }
  if (s.adaptive_initial_limit != base.adaptive_initial_limit) {
    out["adaptive_initial_limit"] = s.adaptive_initial_limit;
  }
}

ordered_json backendsJson(const std::vector<BackendSpec>& backends) {
  bool alike = std::all_of(backends.begin(), backends.end(), [&](const BackendSpec& b) {
    return b.workers == backends[0].workers && b.present == backends[0].present;
  });
  if (alike) {
    // The shortest cycle of latencies that repeats over the backends (8-12 ms: five).
    size_t period = 1;
    while (period < backends.size()) {
      bool repeats = true;
      for (size_t i = period; i < backends.size() && repeats; ++i) {
        repeats = backends[i].latency_ms == backends[i % period].latency_ms;
      }
      if (repeats) break;
      ++period;
    }
    ordered_json out;
    out["count"] = backends.size();
    out["workers"] = backends[0].workers;
    if (period == 1) {
      out["latency_ms"] = num(backends[0].latency_ms);
    } else {
      ordered_json cycle = ordered_json::array();
      for (size_t i = 0; i < period; ++i) cycle.push_back(num(backends[i].latency_ms));
      out["latency_ms"] = cycle;
    }
    if (!backends[0].present) out["present"] = false;
    return out;
  }
  // Runs of identical backends as one entry with a count.
  ordered_json out = ordered_json::array();
  for (size_t i = 0; i < backends.size();) {
    size_t j = i + 1;
    while (j < backends.size() && backends[j] == backends[i]) ++j;
    ordered_json entry;
    if (j - i > 1) entry["count"] = j - i;
    entry["workers"] = backends[i].workers;
    entry["latency_ms"] = num(backends[i].latency_ms);
    if (!backends[i].present) entry["present"] = false;
    out.push_back(entry);
    i = j;
  }
  return out;
}

ordered_json eventJson(const ScenarioEvent& e) {
  ordered_json out;
  out["at"] = num(e.at);
  if (e.kind != ChangeKind::kRate) out["backend"] = e.backend;
  switch (e.kind) {
    case ChangeKind::kLatencyFactor:
      out["latency_factor"] = num(e.value);
      if (e.over > 0) out["over"] = num(e.over);
      break;
    case ChangeKind::kWorkers:
      out["workers"] = num(e.value);
      break;
    case ChangeKind::kJoin:
      out["join"] = true;
      break;
    case ChangeKind::kLeave:
      out["leave"] = true;
      break;
    case ChangeKind::kRate:
      out["rate"] = num(e.value);
      break;
  }
  return out;
}

}  // namespace

Scenario parseScenario(std::string_view json_text) { return fromJson(parseStrict(json_text)); }

Scenario readScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parseScenario(text.str());
  } catch (const ScenarioError& e) {
    throw ScenarioError(path + ": " + e.what());
  }
}

std::string writeScenario(const Scenario& s) {
  ordered_json out;
  if (!s.name.empty()) out["name"] = s.name;
  if (!s.description.empty()) out["description"] = s.description;
  out["duration"] = num(s.duration_s);
  out["seed"] = s.seed;
  ordered_json clients;
  clients["count"] = s.clients;
  clients["rate"] = num(s.rate);
  writeSettings(clients, s.client_settings, ClientSettings{});
  out["clients"] = clients;
  out["backends"] = backendsJson(s.backends);
  if (!s.events.empty()) {
    ordered_json events = ordered_json::array();
    for (const auto& e : s.events) events.push_back(eventJson(e));
    out["events"] = events;
  }
  if (!s.policies.empty()) out["policies"] = s.policies;
  if (!s.variants.empty()) {
    ordered_json variants = ordered_json::array();
    for (const auto& v : s.variants) {
      ordered_json variant;
      variant["name"] = v.name;
      writeSettings(variant, v.clients, s.client_settings);
      variants.push_back(variant);
    }
    out["variants"] = variants;
  }
  if (s.watch >= 0) out["watch"] = s.watch;
  if (!s.checks.empty()) {
    ordered_json checks = ordered_json::array();
    for (const auto& c : s.checks) {
      ordered_json check;
      check["metric"] = std::string(metricName(c.metric));
      check["run"] = c.run;
      check["below"] = c.below;
      if (c.factor != 1) check["factor"] = num(c.factor);
      checks.push_back(check);
    }
    out["checks"] = checks;
  }
  // Laid out as people write these files: a line per key, and a line per backend, event,
  // variant and check.
  std::string text = "{\n";
  for (auto it = out.begin(); it != out.end(); ++it) {
    text += "  " + ordered_json(it.key()).dump() + ": ";
    const ordered_json& v = it.value();
    if (v.is_array() && !v.empty() && v[0].is_object()) {
      text += "[\n";
      for (size_t i = 0; i < v.size(); ++i) {
        text += "    " + compact(v[i]) + (i + 1 < v.size() ? ",\n" : "\n");
      }
      text += "  ]";
    } else {
      text += compact(v);
    }
    text += std::next(it) == out.end() ? "\n" : ",\n";
  }
  return text + "}\n";
}

}  // namespace scales::sim

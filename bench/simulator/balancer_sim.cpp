// SPDX-License-Identifier: Apache-2.0
// scales-balancer-sim: a deterministic discrete-event simulation of the real balancers (the same
// classes the client stack runs, on a simulated clock) against simulated backends with
// heterogeneous and changing latency. Prints, per policy, client-observed p50/p99/p999 latency and
// how the load spread over the backends. `--check` exits non-zero unless p2c_ewma and aperture
// beat round robin on p99 while one backend is slow (the claim docs/balancing.md makes).
// `--cold-join` instead has backend 0 join mid-run with cold caches (slower, warming up over
// warm seconds) and compares each policy with and without slow start; with `--check` it exits
// non-zero unless slow start lowers the cold backend's p99 under round robin.
// `--capacity-drop` has backend 0 lose three quarters of its workers a third of the way in and
// compares, per policy, each client's per-backend concurrency limit: none, static, adaptive
// (Gradient2, the client stack's adaptive_concurrency); calls beyond a limit are refused. With
// `--check` it exits non-zero unless under round robin the adaptive limit cuts the p99 of the
// calls served by a quarter or more against the static one.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include "scales/balancer/balancers.h"
#include "scales/resilience/adaptive_limit.h"

namespace {
using scales::Clock;
using scales::Duration;
using scales::balancer::Node;
using Nanos = std::chrono::nanoseconds;

struct Scenario {
  int backends = 10;
  int clients = 4;
  int workers = 8;                         // requests a backend serves at once; the rest queue FIFO
  double rate = 4000;                      // requests per second over all clients (60% of capacity)
  double seconds = 60;                     // simulated time
  int slow_backend = 0;                    // this backend slows down...
  double slow_factor = 10;                 // ...by this factor...
  double slow_from = 15, slow_until = 45;  // ...between these times (seconds)
  uint64_t seed = 1;
  // Cold join: backend `slow_backend` joins at join_at (seconds; < 0: present from the start),
  // cold_factor times slower at first and back to normal over warm_seconds.
  double join_at = -1;
  double cold_factor = 4;
  double warm_seconds = 10;
  Duration slow_start{};  // the balancers' slow start window (zero: off)
  // Capacity drop: backend `slow_backend` keeps only drop_workers workers from drop_at seconds
  // (< 0: never); each client limits its calls in flight per backend: "none", "static" (at
  // static_limit) or "adaptive".
  double drop_at = -1;
  int drop_workers = 2;
  std::string limit = "none";
  size_t static_limit = 16;
};

// A backend: `workers` servers, FIFO queue, service time = base x factor x Exp(1)-ish jitter.
struct Backend {
  double base_ms = 10;
  int busy = 0;
  std::deque<int> queue;  // request ids waiting
  uint64_t served = 0;
  size_t peak_queue = 0;
};

struct Request {
  int client;
  int backend;
  Clock::time_point arrived;
};

enum class EventKind { kArrival, kDone, kJoin };
struct Event {
  Clock::time_point at;
  EventKind kind;
  int id;  // request id (kDone) or client (kArrival)
  bool operator>(const Event& o) const { return at > o.at; }
};

struct SimNode : Node {
  explicit SimNode(int port, int index)
      : Node(scales::discovery::Endpoint{"10.1.0." + std::to_string(index + 1),
                                         static_cast<uint16_t>(port)}) {}
};

struct Result {
  double p50, p99, p999;
  double max_share, min_share, slow_share;
  double slow_p99;         // of the calls the slow (or cold) backend served
  size_t slow_peak_queue;  // the most calls waiting there at once
  double refused_share;    // calls a concurrency limit refused
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

Result run(const std::string& policy, const Scenario& s) {
  std::mt19937_64 rng(s.seed);
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  const Clock::time_point start = now;
  auto at = [&](double seconds) {
    return start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
  };

  std::vector<Backend> backends(static_cast<size_t>(s.backends));
  for (int b = 0; b < s.backends; ++b)
    backends[static_cast<size_t>(b)].base_ms = 8 + (b % 5);  // 8..12 ms

  // Each client: its own balancer and its own Nodes for the same backends, as in production.
  std::vector<std::unique_ptr<scales::balancer::Balancer>> balancers;
  std::vector<std::vector<std::unique_ptr<SimNode>>> nodes(static_cast<size_t>(s.clients));
  for (int c = 0; c < s.clients; ++c) {
    scales::balancer::BalancerOptions options;
    options.seed = s.seed * 1000 + static_cast<uint64_t>(c) + 1;
    options.clock = [&now] { return now; };
    options.slow_start.window = s.slow_start;
    if (policy == "deterministic_aperture") options.deterministic = {c, s.clients, 1};
    auto b = scales::balancer::makeBalancer(policy, options);
    std::vector<Node*> view;
    for (int i = 0; i < s.backends; ++i) {
      nodes[static_cast<size_t>(c)].push_back(std::make_unique<SimNode>(9000 + i, i));
      nodes[static_cast<size_t>(c)].back()->watch(b.get());
      if (i != s.slow_backend || s.join_at < 0) {
        view.push_back(nodes[static_cast<size_t>(c)].back().get());
      }
    }
    b->update(view);
    balancers.push_back(std::move(b));
  }

  // Each client's calls in flight per backend, and its limit there.
  std::vector<std::vector<size_t>> in_flight(static_cast<size_t>(s.clients),
                                             std::vector<size_t>(static_cast<size_t>(s.backends)));
  std::vector<std::vector<std::optional<scales::resilience::Gradient2Limit>>> limits(
      static_cast<size_t>(s.clients));
  for (auto& per_backend : limits) {
    per_backend.resize(static_cast<size_t>(s.backends));
    if (s.limit != "adaptive") continue;
    scales::resilience::AdaptiveLimitOptions adaptive;
    adaptive.enabled = true;
    adaptive.initial_limit = s.static_limit;
    for (auto& l : per_backend) l.emplace(adaptive);
  }
  auto limitOf = [&](int client, int backend) -> size_t {
    if (s.limit == "static") return s.static_limit;
    auto& l = limits[static_cast<size_t>(client)][static_cast<size_t>(backend)];
    return l ? l->limit() : std::numeric_limits<size_t>::max();
  };
  uint64_t refused = 0;
  auto workersOf = [&](int backend) {
    bool dropped = backend == s.slow_backend && s.drop_at >= 0 && now >= at(s.drop_at);
    return dropped ? s.drop_workers : s.workers;
  };

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  if (s.join_at >= 0) events.push({at(s.join_at), EventKind::kJoin, 0});
  std::exponential_distribution<double> gap(s.rate / s.clients);
  for (int c = 0; c < s.clients; ++c) events.push({at(gap(rng)), EventKind::kArrival, c});

  std::vector<Request> requests;
  std::vector<size_t> started_with;  // per request: the client's calls in flight there before it
  std::vector<double> latencies_ms;
  std::vector<double> slow_latencies_ms;
  std::exponential_distribution<double> jitter(1.0);
  const Clock::time_point end = at(s.seconds);

  auto serve = [&](int id) {
    Request& r = requests[static_cast<size_t>(id)];
    Backend& b = backends[static_cast<size_t>(r.backend)];
    ++b.busy;
    double factor = 1.0;
    if (r.backend == s.slow_backend && s.join_at >= 0) {
      double warmed = std::chrono::duration<double>(now - at(s.join_at)).count() / s.warm_seconds;
      factor = 1.0 + (s.cold_factor - 1.0) * std::max(0.0, 1.0 - warmed);
    } else if (r.backend == s.slow_backend && now >= at(s.slow_from) && now < at(s.slow_until)) {
      factor = s.slow_factor;
    }
    double ms = b.base_ms * factor * (0.5 + 0.5 * jitter(rng));
    events.push(
        {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms)),
         EventKind::kDone, id});
  };

  while (!events.empty()) {
    Event e = events.top();
    events.pop();
    now = e.at;
    if (e.kind == EventKind::kJoin) {
      for (int c = 0; c < s.clients; ++c) {
        std::vector<Node*> view;
        for (auto& node : nodes[static_cast<size_t>(c)]) view.push_back(node.get());
        balancers[static_cast<size_t>(c)]->update(view);
      }
    } else if (e.kind == EventKind::kArrival) {
      if (now >= end) continue;  // stop arrivals; drain what is in flight
      auto& balancer = *balancers[static_cast<size_t>(e.id)];
      Node* picked = balancer.picker().pick({rng(), true});
      int backend = 0;
      for (int i = 0; i < s.backends; ++i) {
        if (nodes[static_cast<size_t>(e.id)][static_cast<size_t>(i)].get() == picked) backend = i;
      }
      size_t& out = in_flight[static_cast<size_t>(e.id)][static_cast<size_t>(backend)];
      if (out >= limitOf(e.id, backend)) {
        ++refused;
        events.push(
            {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(gap(rng))),
             EventKind::kArrival, e.id});
        continue;
      }
      int id = static_cast<int>(requests.size());
      requests.push_back({e.id, backend, now});
      started_with.push_back(out++);
      picked->callStarted();
      Backend& b = backends[static_cast<size_t>(backend)];
      if (b.busy < workersOf(backend)) {
        serve(id);
      } else {
        b.queue.push_back(id);
        b.peak_queue = std::max(b.peak_queue, b.queue.size());
      }
      events.push(
          {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(gap(rng))),
           EventKind::kArrival, e.id});
    } else {
      Request& r = requests[static_cast<size_t>(e.id)];
      Backend& b = backends[static_cast<size_t>(r.backend)];
      --b.busy;
      ++b.served;
      Duration latency = now - r.arrived;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(latency).count());
      if (r.backend == s.slow_backend) slow_latencies_ms.push_back(latencies_ms.back());
      nodes[static_cast<size_t>(r.client)][static_cast<size_t>(r.backend)]->callFinished(now,
                                                                                         latency);
      --in_flight[static_cast<size_t>(r.client)][static_cast<size_t>(r.backend)];
      if (auto& l = limits[static_cast<size_t>(r.client)][static_cast<size_t>(r.backend)]) {
        l->sample(latency, started_with[static_cast<size_t>(e.id)] + 1);
      }
      if (!b.queue.empty() && b.busy < workersOf(r.backend)) {
        int next = b.queue.front();
        b.queue.pop_front();
        serve(next);
      }
    }
  }

  Result out{};
  out.p50 = percentile(latencies_ms, 0.50);
  out.p99 = percentile(latencies_ms, 0.99);
  out.p999 = percentile(latencies_ms, 0.999);
  out.slow_p99 = percentile(slow_latencies_ms, 0.99);
  out.slow_peak_queue = backends[static_cast<size_t>(s.slow_backend)].peak_queue;
  out.refused_share = static_cast<double>(refused) / static_cast<double>(requests.size() + refused);
  double total = static_cast<double>(requests.size());
  out.min_share = 1;
  for (size_t i = 0; i < backends.size(); ++i) {
    double share = static_cast<double>(backends[i].served) / total;
    out.max_share = std::max(out.max_share, share);
    out.min_share = std::min(out.min_share, share);
    if (static_cast<int>(i) == s.slow_backend) out.slow_share = share;
  }
  return out;
}

// Backend 0 loses all but drop_workers of its workers a third of the way in.
int capacityDrop(Scenario s, std::vector<std::string> policies, bool check) {
  s.drop_at = s.seconds / 3;
  std::printf(
      "%d clients -> %d backends (%d workers, 8-12 ms), %.0f req/s for %.0f s; backend 0 keeps "
      "%d workers from %.0f s; per-client limits per backend: none, static %zu, adaptive\n\n",
      s.clients, s.backends, s.workers, s.rate, s.seconds, s.drop_workers, s.drop_at,
      s.static_limit);
  std::printf("%-24s %-9s %10s %10s %12s %10s\n", "policy", "limit", "p99 ms", "p999 ms",
              "slow p99 ms", "refused");
  int failures = 0;
  for (const auto& policy : policies) {
    std::map<std::string, Result> by_limit;
    for (const char* limit : {"none", "static", "adaptive"}) {
      s.limit = limit;
      Result r = run(policy, s);
      by_limit[limit] = r;
      std::printf("%-24s %-9s %10.1f %10.1f %12.1f %9.2f%%\n", policy.c_str(), limit, r.p99, r.p999,
                  r.slow_p99, 100 * r.refused_share);
    }
    if (check && policy == "round_robin" &&
        by_limit["adaptive"].p99 > 0.75 * by_limit["static"].p99) {
      std::printf(
          "CHECK FAILED: round_robin: the adaptive limit's p99 %.1f ms is not a quarter below "
          "the static limit's %.1f ms\n",
          by_limit["adaptive"].p99, by_limit["static"].p99);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

// Backend 0 joins a third of the way in, cold_factor times slower, warming over warm_seconds.
int coldJoin(Scenario s, std::vector<std::string> policies, double window_s, bool check) {
  s.join_at = s.seconds / 3;
  std::printf(
      "%d clients -> %d backends (%d workers, 8-12 ms), %.0f req/s for %.0f s; backend 0 joins "
      "at %.0f s, %.0fx slower, warm after %.0f s; slow start window %.0f s\n\n",
      s.clients, s.backends, s.workers, s.rate, s.seconds, s.join_at, s.cold_factor, s.warm_seconds,
      window_s);
  std::printf("%-24s %-10s %10s %12s %14s %12s\n", "policy", "slow start", "p99 ms", "cold p99 ms",
              "cold max queue", "cold share");
  int failures = 0;
  for (const auto& policy : policies) {
    Result without{}, with{};
    for (bool slow : {false, true}) {
      s.slow_start =
          slow ? std::chrono::duration_cast<Duration>(std::chrono::duration<double>(window_s))
               : Duration{};
      Result r = run(policy, s);
      (slow ? with : without) = r;
      std::printf("%-24s %-10s %10.1f %12.1f %14zu %11.1f%%\n", policy.c_str(), slow ? "on" : "off",
                  r.p99, r.slow_p99, r.slow_peak_queue, 100 * r.slow_share);
    }
    bool claimed = policy == "round_robin";
    if (check && claimed && with.slow_p99 >= without.slow_p99) {
      std::printf(
          "CHECK FAILED: %s: slow start did not lower the cold backend's p99 (%.1f ms vs "
          "%.1f ms)\n",
          policy.c_str(), with.slow_p99, without.slow_p99);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Scenario s;
  bool check = false;
  // Every registered balancer by default, so a new policy is simulated without an edit here
  // (simulated nodes have no pools: least_connections behaves as the heap).
  std::vector<std::string> policies = scales::balancer::balancerRegistry().list();
  CLI::App app{"Deterministic discrete-event simulation of the scales balancers"};
  app.add_option("--backends", s.backends)->check(CLI::Range(2, 1000));
  app.add_option("--clients", s.clients)->check(CLI::Range(1, 1000));
  app.add_option("--workers", s.workers, "requests a backend serves at once")
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", s.rate, "requests per second over all clients")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", s.seconds, "simulated seconds")->check(CLI::Range(1.0, 3600.0));
  app.add_option("--slow-factor", s.slow_factor, "how much slower backend 0 gets mid-run");
  app.add_option("--seed", s.seed);
  app.add_option("--policies", policies, "balancers to simulate");
  app.add_flag("--check", check, "fail unless p2c_ewma and aperture beat round_robin on p99");
  bool cold_join = false;
  double window_s = 20;
  app.add_flag("--cold-join", cold_join,
               "backend 0 joins mid-run with cold caches: each policy without and with slow start");
  app.add_option("--slow-start", window_s, "the slow start window for --cold-join (seconds)")
      ->check(CLI::PositiveNumber);
  bool capacity_drop = false;
  app.add_flag("--capacity-drop", capacity_drop,
               "backend 0 loses capacity mid-run: each policy without, with a static and with an "
               "adaptive concurrency limit");
  CLI11_PARSE(app, argc, argv);
  if (cold_join) return coldJoin(s, policies, window_s, check);
  if (capacity_drop) return capacityDrop(s, policies, check);

  std::printf(
      "%d clients -> %d backends (%d workers, 8-12 ms), %.0f req/s for %.0f s; backend 0 is "
      "%.0fx slower from %.0f s to %.0f s\n\n",
      s.clients, s.backends, s.workers, s.rate, s.seconds, s.slow_factor, s.slow_from,
      s.slow_until);
  std::printf("%-24s %10s %10s %10s %10s %10s %10s\n", "policy", "p50 ms", "p99 ms", "p999 ms",
              "max share", "min share", "slow share");
  std::map<std::string, Result> results;
  for (const auto& policy : policies) {
    Result r = run(policy, s);
    results[policy] = r;
    std::printf("%-24s %10.1f %10.1f %10.1f %9.1f%% %9.1f%% %9.1f%%\n", policy.c_str(), r.p50,
                r.p99, r.p999, 100 * r.max_share, 100 * r.min_share, 100 * r.slow_share);
  }
  if (!check) return 0;
  int failures = 0;
  for (const char* better : {"p2c_ewma", "aperture"}) {
    if (!results.count(better) || !results.count("round_robin")) continue;
    if (results[better].p99 >= results["round_robin"].p99) {
      std::printf("CHECK FAILED: %s p99 %.1f ms is not below round_robin's %.1f ms\n", better,
                  results[better].p99, results["round_robin"].p99);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

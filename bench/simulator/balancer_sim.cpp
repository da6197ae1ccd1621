// SPDX-License-Identifier: Apache-2.0
// scales-balancer-sim: a deterministic discrete-event simulation of the real balancers (the same
// classes the client stack runs, on a simulated clock) against simulated backends with
// heterogeneous and changing latency. Prints, per policy, client-observed p50/p99/p999 latency and
// how the load spread over the backends. `--check` exits non-zero unless p2c_ewma and aperture
// beat round robin on p99 while one backend is slow (the claim docs/balancing.md makes).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include "scales/balancer/balancers.h"

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
};

// A backend: `workers` servers, FIFO queue, service time = base x factor x Exp(1)-ish jitter.
struct Backend {
  double base_ms = 10;
  int busy = 0;
  std::deque<int> queue;  // request ids waiting
  uint64_t served = 0;
};

struct Request {
  int client;
  int backend;
  Clock::time_point arrived;
};

enum class EventKind { kArrival, kDone };
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
    if (policy == "deterministic_aperture") options.deterministic = {c, s.clients, 1};
    auto b = scales::balancer::makeBalancer(policy, options);
    std::vector<Node*> view;
    for (int i = 0; i < s.backends; ++i) {
      nodes[static_cast<size_t>(c)].push_back(std::make_unique<SimNode>(9000 + i, i));
      nodes[static_cast<size_t>(c)].back()->watch(b.get());
      view.push_back(nodes[static_cast<size_t>(c)].back().get());
    }
    b->update(view);
    balancers.push_back(std::move(b));
  }

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::exponential_distribution<double> gap(s.rate / s.clients);
  for (int c = 0; c < s.clients; ++c) events.push({at(gap(rng)), EventKind::kArrival, c});

  std::vector<Request> requests;
  std::vector<double> latencies_ms;
  std::exponential_distribution<double> jitter(1.0);
  const Clock::time_point end = at(s.seconds);

  auto serve = [&](int id) {
    Request& r = requests[static_cast<size_t>(id)];
    Backend& b = backends[static_cast<size_t>(r.backend)];
    ++b.busy;
    double factor =
        (r.backend == s.slow_backend && now >= at(s.slow_from) && now < at(s.slow_until))
            ? s.slow_factor
            : 1.0;
    double ms = b.base_ms * factor * (0.5 + 0.5 * jitter(rng));
    events.push(
        {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms)),
         EventKind::kDone, id});
  };

  while (!events.empty()) {
    Event e = events.top();
    events.pop();
    now = e.at;
    if (e.kind == EventKind::kArrival) {
      if (now >= end) continue;  // stop arrivals; drain what is in flight
      auto& balancer = *balancers[static_cast<size_t>(e.id)];
      Node* picked = balancer.picker().pick({rng(), true});
      int backend = 0;
      for (int i = 0; i < s.backends; ++i) {
        if (nodes[static_cast<size_t>(e.id)][static_cast<size_t>(i)].get() == picked) backend = i;
      }
      int id = static_cast<int>(requests.size());
      requests.push_back({e.id, backend, now});
      picked->callStarted();
      Backend& b = backends[static_cast<size_t>(backend)];
      if (b.busy < s.workers) {
        serve(id);
      } else {
        b.queue.push_back(id);
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
      nodes[static_cast<size_t>(r.client)][static_cast<size_t>(r.backend)]->callFinished(now,
                                                                                         latency);
      if (!b.queue.empty()) {
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
  CLI11_PARSE(app, argc, argv);

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

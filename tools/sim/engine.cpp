// SPDX-License-Identifier: Apache-2.0
// The discrete-event loop. Each client has its own balancer over its own Nodes for the backends,
// as in production; calls arrive per client as a Poisson process, the client's balancer picks a
// node, the backend serves the call or queues it, and the finish is reported to the node (which
// tells the balancer) and to the client's concurrency limit. Every random draw comes from one
// seeded generator in a fixed order, which is what makes a run repeatable.
#include "sim/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>

#include "scales/balancer/balancers.h"
#include "scales/resilience/adaptive_limit.h"

namespace scales::sim {
namespace {

using balancer::Node;

// A backend as the simulation runs it: busy workers and a FIFO queue of call ids.
struct Backend {
  double base_ms = 10;
  int workers = 8;
  bool present = true;
  int busy = 0;
  std::deque<int> queue;
  uint64_t served = 0;
  size_t peak_queue = 0;
};

struct Call {
  int client;
  int backend;
  Clock::time_point arrived;
};

enum class EventKind { kArrival, kDone, kChange };
struct Event {
  Clock::time_point at;
  EventKind kind;
  int id;  // the client (kArrival), the call (kDone) or the scenario event (kChange)
  bool operator>(const Event& o) const { return at > o.at; }
};

// Knows its backend's index, so a pick maps back to the backend without a search.
struct SimNode : Node {
  explicit SimNode(int index)
      : Node(discovery::Endpoint{"10.1.0." + std::to_string(index + 1),
                                 static_cast<uint16_t>(9000 + index)}),
        backend(index) {}
  const int backend;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

// A backend's latency factor over time: a step at each change, or a linear move from the factor
// it had to the new one over the change's `over` seconds.
class LatencyTimeline {
 public:
  struct Change {
    Clock::time_point at;
    double from;
    double to;
    double over_s;
  };

  void add(Clock::time_point at, double to, double over_s) {
    changes_.push_back({at, factorAt(at), to, over_s});
  }

  double factorAt(Clock::time_point now) const {
    for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
      if (it->at > now) continue;
      if (it->over_s <= 0) return it->to;
      double progress = std::chrono::duration<double>(now - it->at).count() / it->over_s;
      return it->to + (it->from - it->to) * std::max(0.0, 1.0 - progress);
    }
    return 1.0;
  }

 private:
  std::vector<Change> changes_;  // in time order
};

}  // namespace

double RunResult::metric(Metric m) const {
  switch (m) {
    case Metric::kP50:
      return p50;
    case Metric::kP99:
      return p99;
    case Metric::kP999:
      return p999;
    case Metric::kMaxShare:
      return max_share;
    case Metric::kMinShare:
      return min_share;
    case Metric::kWatchedP99:
      return watched_p99;
    case Metric::kWatchedShare:
      return watched_share;
    case Metric::kWatchedMaxQueue:
      return static_cast<double>(watched_max_queue);
    case Metric::kRefused:
      return refused_share;
  }
  return 0;
}

RunResult simulate(const Scenario& s, const std::string& policy, const Variant& variant,
                   const SeriesOptions& series_options) {
  if (s.backends.empty() || s.clients < 1 || s.rate <= 0 || s.duration_s <= 0) {
    throw std::invalid_argument("a scenario needs backends, clients, a rate and a duration");
  }
  const ClientSettings& settings = variant.clients;
  const auto backend_count = static_cast<int>(s.backends.size());
  const int watched = watchedBackend(s);
  std::mt19937_64 rng(s.seed);
  // Far from the clock's epoch, so that nothing mistakes a simulated time for "never".
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  const Clock::time_point start = now;
  auto at = [&](double seconds) {
    return start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
  };

  std::vector<Backend> backends(s.backends.size());
  std::vector<LatencyTimeline> latency(s.backends.size());
  for (size_t b = 0; b < backends.size(); ++b) {
    backends[b].base_ms = s.backends[b].latency_ms;
    backends[b].workers = s.backends[b].workers;
    backends[b].present = s.backends[b].present;
  }
  for (const auto& e : s.events) {
    if (e.kind == ChangeKind::kLatencyFactor) {
      latency.at(static_cast<size_t>(e.backend)).add(at(e.at), e.value, e.over);
    }
  }

  std::vector<std::unique_ptr<balancer::Balancer>> balancers;
  std::vector<std::vector<std::unique_ptr<SimNode>>> nodes(static_cast<size_t>(s.clients));
  // Every client's balancer gets the backends in service, in index order (the resolver's order).
  auto publish = [&](int client) {
    std::vector<Node*> view;
    for (auto& node : nodes[static_cast<size_t>(client)]) {
      if (backends[static_cast<size_t>(node->backend)].present) view.push_back(node.get());
    }
    balancers[static_cast<size_t>(client)]->update(view);
  };
  for (int c = 0; c < s.clients; ++c) {
    balancer::BalancerOptions options;
    options.seed = s.seed * 1000 + static_cast<uint64_t>(c) + 1;
    options.clock = [&now] { return now; };
    options.slow_start.window = std::chrono::milliseconds(settings.slow_start_window_ms);
    // Deterministic aperture needs each client's coordinates; the clients are its instances.
    if (policy == "deterministic_aperture") options.deterministic = {c, s.clients, 1};
    balancers.push_back(balancer::makeBalancer(policy, options));
    for (int i = 0; i < backend_count; ++i) {
      nodes[static_cast<size_t>(c)].push_back(std::make_unique<SimNode>(i));
      nodes[static_cast<size_t>(c)].back()->watch(balancers.back().get());
    }
    publish(c);
  }

  // Each client's calls in flight per backend, and its limit there.
  std::vector<std::vector<size_t>> in_flight(static_cast<size_t>(s.clients),
                                             std::vector<size_t>(s.backends.size()));
  std::vector<std::vector<std::optional<resilience::Gradient2Limit>>> limits(
      static_cast<size_t>(s.clients));
  for (auto& per_backend : limits) {
    per_backend.resize(s.backends.size());
    if (!settings.adaptive_concurrency) continue;
    resilience::AdaptiveLimitOptions adaptive;
    adaptive.enabled = true;
    adaptive.initial_limit = settings.adaptive_initial_limit;
    for (auto& l : per_backend) l.emplace(adaptive);
  }
  auto limitOf = [&](int client, int backend) -> size_t {
    auto& l = limits[static_cast<size_t>(client)][static_cast<size_t>(backend)];
    if (l) return l->limit();
    return settings.max_concurrency > 0 ? settings.max_concurrency
                                        : std::numeric_limits<size_t>::max();
  };
  uint64_t refused = 0;

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  // Latency changes need no event: a call's service time reads the factor when it starts.
  for (size_t i = 0; i < s.events.size(); ++i) {
    if (s.events[i].kind == ChangeKind::kLatencyFactor) continue;
    events.push({at(s.events[i].at), EventKind::kChange, static_cast<int>(i)});
  }
  std::exponential_distribution<double> gap(s.rate / s.clients);
  for (int c = 0; c < s.clients; ++c) events.push({at(gap(rng)), EventKind::kArrival, c});

  std::vector<Call> calls;
  std::vector<size_t> started_with;  // per call: its client's calls in flight there before it
  std::vector<double> latencies_ms;
  std::vector<double> watched_latencies_ms;
  const double bucket_s = series_options.bucket_s > 0 ? series_options.bucket_s : 1;
  const auto buckets = static_cast<size_t>(std::max(1.0, std::ceil(s.duration_s / bucket_s)));
  std::vector<std::vector<double>> by_bucket(buckets);
  std::exponential_distribution<double> jitter(1.0);
  const Clock::time_point end = at(s.duration_s);

  auto serve = [&](int id) {
    Call& call = calls[static_cast<size_t>(id)];
    Backend& b = backends[static_cast<size_t>(call.backend)];
    ++b.busy;
    double factor = latency[static_cast<size_t>(call.backend)].factorAt(now);
    double ms = b.base_ms * factor * (0.5 + 0.5 * jitter(rng));
    events.push(
        {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms)),
         EventKind::kDone, id});
  };
  auto serveQueued = [&](Backend& b) {
    while (!b.queue.empty() && b.busy < b.workers) {
      int next = b.queue.front();
      b.queue.pop_front();
      serve(next);
    }
  };
  auto nextArrival = [&](int client) {
    events.push(
        {now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(gap(rng))),
         EventKind::kArrival, client});
  };

  while (!events.empty()) {
    Event e = events.top();
    events.pop();
    now = e.at;
    if (e.kind == EventKind::kChange) {
      const ScenarioEvent& change = s.events[static_cast<size_t>(e.id)];
      if (change.kind == ChangeKind::kRate) {
        gap.param(std::exponential_distribution<double>::param_type(change.value / s.clients));
        continue;
      }
      Backend& b = backends[static_cast<size_t>(change.backend)];
      if (change.kind == ChangeKind::kWorkers) {
        // Fewer workers take effect as calls finish; more start queued calls at once.
        b.workers = static_cast<int>(change.value);
        serveQueued(b);
      } else {
        // A backend that leaves still finishes the calls it has; it only gets no new ones.
        b.present = change.kind == ChangeKind::kJoin;
        for (int c = 0; c < s.clients; ++c) publish(c);
      }
    } else if (e.kind == EventKind::kArrival) {
      if (now >= end) continue;  // no more calls; those in flight drain
      auto& balancer = *balancers[static_cast<size_t>(e.id)];
      Node* picked = balancer.picker().pick({.key = rng(), .has_key = true});
      if (picked == nullptr) {  // no backend in service
        ++refused;
        nextArrival(e.id);
        continue;
      }
      const int backend = static_cast<SimNode*>(picked)->backend;
      size_t& out = in_flight[static_cast<size_t>(e.id)][static_cast<size_t>(backend)];
      if (out >= limitOf(e.id, backend)) {
        ++refused;
        nextArrival(e.id);
        continue;
      }
      int id = static_cast<int>(calls.size());
      calls.push_back({e.id, backend, now});
      started_with.push_back(out++);
      picked->callStarted();
      Backend& b = backends[static_cast<size_t>(backend)];
      if (b.busy < b.workers) {
        serve(id);
      } else {
        b.queue.push_back(id);
        b.peak_queue = std::max(b.peak_queue, b.queue.size());
      }
      nextArrival(e.id);
    } else {
      const Call& call = calls[static_cast<size_t>(e.id)];
      Backend& b = backends[static_cast<size_t>(call.backend)];
      --b.busy;
      ++b.served;
      Duration took = now - call.arrived;
      double ms = std::chrono::duration<double, std::milli>(took).count();
      latencies_ms.push_back(ms);
      if (call.backend == watched) watched_latencies_ms.push_back(ms);
      double started_s = std::chrono::duration<double>(call.arrived - start).count();
      auto bucket = static_cast<size_t>(std::max(0.0, started_s / bucket_s));
      by_bucket[std::min(bucket, buckets - 1)].push_back(ms);
      nodes[static_cast<size_t>(call.client)][static_cast<size_t>(call.backend)]->callFinished(
          now, took);
      --in_flight[static_cast<size_t>(call.client)][static_cast<size_t>(call.backend)];
      if (auto& l = limits[static_cast<size_t>(call.client)][static_cast<size_t>(call.backend)]) {
        l->sample(took, started_with[static_cast<size_t>(e.id)] + 1);
      }
      serveQueued(b);
    }
  }

  RunResult r;
  r.policy = policy;
  r.variant = variant.name;
  r.calls = calls.size();
  r.refused = refused;
  r.p50 = percentile(latencies_ms, 0.50);
  r.p99 = percentile(latencies_ms, 0.99);
  r.p999 = percentile(latencies_ms, 0.999);
  r.watched_p99 = percentile(watched_latencies_ms, 0.99);
  if (watched >= 0) r.watched_max_queue = backends[static_cast<size_t>(watched)].peak_queue;
  const uint64_t attempted = calls.size() + refused;
  r.refused_share =
      attempted > 0 ? static_cast<double>(refused) / static_cast<double>(attempted) : 0;
  const double total = static_cast<double>(calls.size());
  r.min_share = 1;
  for (size_t i = 0; i < backends.size(); ++i) {
    double share = total > 0 ? static_cast<double>(backends[i].served) / total : 0;
    r.max_share = std::max(r.max_share, share);
    r.min_share = std::min(r.min_share, share);
    if (static_cast<int>(i) == watched) r.watched_share = share;
  }
  const double p = std::clamp(series_options.percentile, 0.0, 1.0);
  for (auto& bucket : by_bucket) {
    r.series.push_back(bucket.empty() ? std::nan("") : percentile(bucket, p));
  }
  return r;
}

}  // namespace scales::sim

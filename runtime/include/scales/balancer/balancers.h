// SPDX-License-Identifier: Apache-2.0
// Every built-in balancer, its options with their defaults, and the name -> constructor registry
// behind ClientConfig::balancer and the URI's ?balancer= option. Adding a policy: one source file
// in src/balancer/, one constructor here, one line in src/balancer/registry.cpp, and its test
// (docs/extending.md). Users outside the library call registerBalancer().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "scales/balancer/balancer.h"
#include "scales/core/coarse_clock.h"
#include "scales/core/registry.h"

namespace scales::balancer {

// The load band of the aperture balancer (scales' and Finagle's original defaults).
struct ApertureOptions {
  double low_load = 0.5;   // shrink by one node when the smoothed load per node falls below
  double high_load = 2.0;  // grow by one node when it rises above
  size_t min_size = 1;
  size_t max_size = std::numeric_limits<size_t>::max();
  Duration smooth_window = std::chrono::seconds(5);  // EMA window of the load
};

// Deterministic aperture (Finagle's ring subsetting). Active when instance_count > 0: this client
// is instance_id of instance_count (ids contiguous from 0), and the clients together cover the
// servers evenly.
struct DeterministicApertureOptions {
  int instance_id = 0;
  int instance_count = 0;
  size_t min_size = 12;  // servers each client spreads over at least (Finagle's default)
};

// Slow start (Envoy's slow_start_config): an endpoint that joins a running set, or comes back
// after being out, takes a share that ramps up over `window` instead of its full share at once,
// cold caches and all. Its weight is max(min_weight, (t / window)^(1 / aggression)); a pick that
// lands on it is kept with that probability, else goes to another live endpoint. Applies to
// every balancer but ring_hash, first_live and last_live, where a share has no meaning.
struct SlowStartOptions {
  Duration window = Duration::zero();  // 0: off (the default)
  double aggression = 1.0;             // above 1: the ramp starts faster; below: slower
  double min_weight = 0.1;             // the least weight while warming (Envoy's 10%)
  // Throws ConfigError for a negative window, aggression <= 0 or min_weight outside (0, 1].
  void validate() const;
};

struct BalancerOptions {
  ApertureOptions aperture;
  // The peak-EWMA latency window each node keeps (Finagle's decayTime), read by p2c_ewma.
  Duration ewma_decay = std::chrono::seconds(10);
  DeterministicApertureOptions deterministic;
  // Ring hash: points on the ring per unit of endpoint weight.
  size_t ring_points = 160;
  // least_loaded_of_k: the nodes sampled per pick, 2 to 16 (2 is p2c).
  size_t least_loaded_choices = 3;
  SlowStartOptions slow_start = {};
  // Seed of every random choice (0: a random seed); tests and the simulator fix it.
  uint64_t seed = 0;
  // The clock the load-band and EWMA math read (coarse: they smooth over seconds and run on
  // every call); the simulator substitutes its own.
  std::function<Clock::time_point()> clock = [] { return coarseNow(); };
};

using BalancerFactory = std::function<std::unique_ptr<Balancer>(const BalancerOptions&)>;

namespace balancers {
// Each available node in turn, from a random start (so many clients do not hit the first node
// together). O(1).
std::unique_ptr<Balancer> roundRobin(const BalancerOptions& options);
// A uniformly random available node. O(1).
std::unique_ptr<Balancer> random(const BalancerOptions& options);
// Least loaded (fewest calls out) via a min-heap; ties go to a random idle node. O(1) pick,
// O(log n) per load change (Finagle's and scales' HeapBalancer).
std::unique_ptr<Balancer> heap(const BalancerOptions& options);
// Fewest open connections, then fewest calls out; same heap.
std::unique_ptr<Balancer> leastConnections(const BalancerOptions& options);
// The heap over the smallest prefix of a shuffled node order whose smoothed load per node stays
// inside [low_load, high_load]. With options.deterministic.instance_count > 0, deterministic
// aperture instead. The default for Thrift clients.
std::unique_ptr<Balancer> aperture(const BalancerOptions& options);
// Finagle's deterministic aperture: this client's slice of a ring shared by every client,
// picked by power of two choices weighted by overlap. Requires instance_count > 0.
std::unique_ptr<Balancer> deterministicAperture(const BalancerOptions& options);
// Power of two choices: the less loaded of two random available nodes. O(1).
std::unique_ptr<Balancer> p2c(const BalancerOptions& options);
// P2C by peak-EWMA latency x (outstanding + 1). O(1).
std::unique_ptr<Balancer> p2cEwma(const BalancerOptions& options);
// The fewest calls out among least_loaded_choices distinct random available nodes. O(k).
std::unique_ptr<Balancer> leastLoadedOfK(const BalancerOptions& options);
// Smooth weighted round robin (nginx): weights 5:2:3 interleave rather than bunch. O(n) pick.
std::unique_ptr<Balancer> weightedRoundRobin(const BalancerOptions& options);
// Only the lowest priority value with a live node gets calls, split by weight (SRV semantics).
// O(log n) pick.
std::unique_ptr<Balancer> priorityWeighted(const BalancerOptions& options);
// Ordered failover: the first (or last) available node in the resolver's order.
std::unique_ptr<Balancer> firstLive(const BalancerOptions& options);
std::unique_ptr<Balancer> lastLive(const BalancerOptions& options);
// Consistent hashing of the call's key (a random key when the call has none); a node joining or
// leaving moves about 1/n of the keys. O(log n) pick.
std::unique_ptr<Balancer> ringHash(const BalancerOptions& options);
}  // namespace balancers

// Every balancer by name: the built-ins and those users registered.
const Registry<BalancerFactory>& balancerRegistry();
// Adds a balancer for ClientConfig::balancer and ?balancer= (before creating the clients that
// name it). Thread-safe; throws ConfigError when the name is taken.
void registerBalancer(std::string name, BalancerFactory factory);
// The named balancer, with slow start around it when options.slow_start.window is set and the
// policy has shares.
std::unique_ptr<Balancer> makeBalancer(std::string_view name, const BalancerOptions& options = {});
// Slow start around any balancer (makeBalancer does this itself).
std::unique_ptr<Balancer> withSlowStart(std::unique_ptr<Balancer> inner,
                                        const BalancerOptions& options);

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// The simulation: a deterministic discrete-event run of one policy under one variant of a
// scenario. It drives the real balancers (the classes the client stack runs, on a simulated
// clock) and, for adaptive concurrency, the real Gradient2 limit, against simulated backends, so
// what it shows is what the client would do. Same scenario, policy and seed: same numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.h"

namespace scales::sim {

// The latency over time a run records for the chart: the given percentile of the calls that
// started in each bucket of bucket_s seconds.
struct SeriesOptions {
  double bucket_s = 1;
  double percentile = 0.99;
};

struct RunResult {
  std::string policy;
  std::string variant;
  uint64_t calls = 0;    // served
  uint64_t refused = 0;  // refused by a concurrency limit, or with no backend in service
  // Client-observed latency of the calls served (queueing included), milliseconds.
  double p50 = 0, p99 = 0, p999 = 0;
  // The most and least of the calls any backend served, as shares of all.
  double max_share = 0, min_share = 0;
  // The watched backend (Scenario::watch): the p99 of its calls, its share, its longest queue.
  double watched_p99 = 0, watched_share = 0;
  size_t watched_max_queue = 0;
  double refused_share = 0;
  // SeriesOptions::percentile of the calls started in each bucket (NaN: none started).
  std::vector<double> series;

  double metric(Metric metric) const;
};

RunResult simulate(const Scenario& scenario, const std::string& policy, const Variant& variant,
                   const SeriesOptions& series = {});

}  // namespace scales::sim

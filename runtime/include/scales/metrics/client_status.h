// SPDX-License-Identifier: Apache-2.0
// What the admin page shows of one client at one moment: its endpoints and the state each gate
// leaves them in, the resolver's last word, the retry budget and latency histograms. Plain data,
// taken on the client's own executor (the only place its stack may be read) and handed to the
// admin server's thread (client_directory.h); /admin.json writes it out.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scales/metrics/metric.h"

namespace scales::metrics {

using WallTime = std::chrono::system_clock::time_point;

// One gate keeping an endpoint out of the balancer's live set, and why.
struct GateReason {
  std::string gate;  // failure_accrual, circuit_breaker, health_gate, outlier_gate
  std::string why;
};

struct EndpointStatus {
  std::string address;  // host:port
  // "live", "probation" (back in after a backoff or a breaker's reset timeout: the next result
  // decides), "dead" (failure accrual), "breaker open", "unhealthy" (health checks), "ejected"
  // (outlier ejection); the first of those that applies, in that order after "live".
  std::string state = "live";
  std::vector<GateReason> reasons;  // every gate keeping it out
  bool available = true;            // the balancer may pick it (true while out in panic mode)
  int load = 0;                     // calls in flight and queued on it
  double ewma_ms = 0;               // peak-EWMA latency, as the balancer weighs it
  size_t connections = 0;           // open or opening
  bool connected = false;           // a call would find an open connection now
  bool connecting = false;
  size_t pool_waiters = 0;
  std::string last_error;  // why a gate last took it out (kept after it came back)
  WallTime last_error_at{};
  std::string connect_error;  // why the last connection attempt failed (empty: none since)
  double weight = 1;
  int64_t requests = 0, successes = 0, failures = 0;  // attempts, since the endpoint joined
  HistogramSnapshot latency;  // successful attempts, since the endpoint joined
};

struct ResolverStatus {
  // "resolving" (no answer yet), "ok", "empty" (resolved to no endpoints), "error" (the last
  // update failed; the last good set is kept), "closed"; "none" when the client has no balancer
  // layer (`detail` says so), "unknown" when the client did not answer.
  std::string state = "resolving";
  size_t endpoints = 0;
  uint64_t updates = 0;         // updates heard, failures included
  WallTime last_update{};       // the last update of any kind (epoch: none yet)
  WallTime last_good_update{};  // the last one that delivered a set
  std::string last_error;       // of the last update, when it failed
  std::string detail;           // why the current set is empty, when the resolver says
};

struct RetryBudgetStatus {
  int64_t available = 0;  // extra attempts the budget allows right now
  double percent_can_retry = 0;
  double min_retries_per_second = 0;
  int64_t ttl_ms = 0;
  bool shadow = false;
  // Since the client started.
  int64_t calls = 0, requeues = 0, retries = 0, backups = 0, exhausted = 0;
};

struct ClientStatus {
  // Endpoints described one by one, at most: a snapshot is taken on the client's own loop, and
  // one of a 10,000-endpoint client (about 2 KB each) would copy some 20 MB there every second.
  // Beyond it the endpoints are only counted, by state.
  static constexpr size_t kMaxEndpoints = 1000;

  uint64_t id = 0;  // the directory's, unique in the process (names may repeat)
  std::string name;
  std::string uri;
  std::string balancer;
  // Set when the client did not answer in time (its loop is busy or blocked), or its status
  // could not be taken: nothing else but the id and name is known then.
  std::string error;
  bool panic = false;  // too few healthy endpoints: calls spread over all
  size_t live = 0, aperture = 0, warming = 0;
  ResolverStatus resolver;
  RetryBudgetStatus retry_budget;
  // The first kMaxEndpoints endpoints in address order; endpoints_total counts them all, and
  // endpoint_states counts them all by `state`.
  std::vector<EndpointStatus> endpoints;
  size_t endpoints_total = 0;
  std::map<std::string, size_t, std::less<>> endpoint_states;
  HistogramSnapshot latency;  // every endpoint's latency histogram added up
};

}  // namespace scales::metrics

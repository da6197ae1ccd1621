// SPDX-License-Identifier: Apache-2.0
// scales-call's load mode: the same call, again and again, for a duration (or a count).
//   closed loop (no rate): `concurrency` calls always in flight, each sent when one returns;
//     latency is each call's own.
//   open loop (a rate): calls are due at fixed intervals whether or not earlier ones returned,
//     with at most `concurrency` in flight; a call sent late (the server or the loop fell behind)
//     is timed from when it was due, so latency is corrected for coordinated omission: a stall
//     shows as the latency every caller of a real open system would have seen. Calls that came
//     due but never found a free slot before the run ended are reported too ("unsent"), each
//     timed from when it was due to the end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "invoke/dynamic_call.h"
#include "load/latency_histogram.h"

namespace scales::call {

// The open loop's bounds: a rate beyond this cannot be paced by one loop, and one below its
// inverse would be due less than once a day.
inline constexpr double kMaxRate = 1e7;
inline constexpr double kMinRate = 1e-4;
// The longest run.
inline constexpr std::chrono::hours kMaxDuration{24 * 7};

struct LoadOptions {
  size_t concurrency = 1;
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  double rate = 0;                // calls per second; 0: closed loop
  std::optional<uint64_t> calls;  // stop after this many (whichever of it and duration is first)
};

struct LoadProgress {
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  // Set (from any thread, or a signal handler: it is lock-free) to end the run early: no call
  // starts after it, the calls in flight finish and are reported.
  std::atomic<bool> stop{false};
};

struct LoadResult {
  LoadOptions options;
  std::chrono::nanoseconds elapsed{};
  uint64_t calls = 0;                      // completed (unsent ones included)
  uint64_t succeeded = 0;                  // returned (declared exceptions and failures are errors)
  LatencyHistogram latency;                // of every completed call, errors too
  std::map<std::string, uint64_t> errors;  // by type: "TimeoutError", "interop.Invalid"
  std::map<std::string, uint64_t> endpoints;  // completed calls by the endpoint that answered
  uint64_t late = 0;          // open loop: calls sent a millisecond or more after they were due
  uint64_t unsent = 0;        // open loop: calls due before the end that found no free slot
  double throughput() const;  // completed calls per second
};

// Runs on the call's client loop; blocks the calling thread (not that loop) until every call it
// started has completed. `progress` (may be null) is updated as calls complete. Throws
// std::invalid_argument for a rate or duration out of bounds.
LoadResult runLoad(const DynamicCall& call, const LoadOptions& options, LoadProgress* progress);

}  // namespace scales::call

// SPDX-License-Identifier: Apache-2.0
// One recorded span (docs/tracing.md): a client call, one attempt of it, or a handled call.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/core/trace_context.h"

namespace scales::tracing {

struct Annotation {
  int64_t timestamp_us = 0;  // wall clock, microseconds since the epoch
  std::string value;
};

struct Span {
  enum class Kind { kClient, kServer };

  TraceContext ids;
  Kind kind = Kind::kClient;
  std::string name;     // the method
  std::string service;  // this process (the tracer fills in its service_name)
  std::string remote;   // host:port of the peer, when known
  int64_t start_us = 0;
  int64_t duration_us = 0;
  std::string error;  // empty: the call succeeded
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<Annotation> annotations;
};

// `at` on the wall clock, in microseconds since the epoch. Spans take their start and duration
// from the monotonic clock and place them on the wall clock through one anchor per process:
// reading the two clocks separately for each span would misplace it by however long the thread
// was preempted between the reads, and child spans would seem to outlive their parents.
int64_t wallMicros(Clock::time_point at);

}  // namespace scales::tracing

// SPDX-License-Identifier: Apache-2.0
// A client span as the client layers capture it (docs/tracing.md): what the calling thread
// knows when the call or attempt ends, with no strings to build and no error to describe. The
// tracer's thread turns it into a Span. A sampled call thereby costs its own thread little more
// than one queue push per span: the formatting, the error's description and the tags happen
// where the export happens.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scales/core/call_trace.h"
#include "scales/core/deadline.h"
#include "scales/core/trace_context.h"
#include "scales/tracing/span.h"

namespace scales::tracing {

struct ClientRecord {
  TraceContext ids;
  Clock::time_point began;
  Duration took{};
  std::string method;
  // The client's name (a call's span) or the endpoint's host:port (an attempt's): shared with
  // the layer that records, so no copy per span.
  std::shared_ptr<const std::string> site;
  std::exception_ptr error;  // null: it succeeded
  bool attempt = false;      // an attempt's span; otherwise the call's
  AttemptKind attempt_kind = AttemptKind::kFirst;
  // A call's: its attempts by kind, what ended it, and when each later attempt went out.
  uint16_t attempts = 0, retries = 0, requeues = 0, backups = 0;
  std::string ended_by;
  std::vector<std::pair<int64_t, const char*>> notes;
};

// The annotation an attempt of `kind` leaves ("scales.retry", ...).
const char* attemptNote(AttemptKind kind);

// The span a record stands for: tags scales.client, scales.attempts, scales.retries,
// scales.requeues, scales.backups, scales.ended_by (a call) or scales.attempt (an attempt).
Span toSpan(ClientRecord&& record);

}  // namespace scales::tracing

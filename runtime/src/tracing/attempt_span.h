// SPDX-License-Identifier: Apache-2.0
// A recorded attempt's span from its start to its end: what the endpoint_trace layer does for a
// sampled call (client/endpoint/trace_watcher.cpp), and the public attemptTraceLayer.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "scales/core/request.h"
#include "scales/tracing/client_record.h"

namespace scales::tracing {

class Tracer;

struct AttemptSpan {
  Tracer* tracer;
  ClientRecord record;
};

// For a call whose span is sampled while a tracer is installed: gives the attempt a span of its
// own, a child of the call's (the request now carries it, so the server's span hangs under the
// attempt), and notes a later attempt in the call's trace. Null otherwise: an unrecorded attempt
// carries the call's span, with no id drawn for it.
std::unique_ptr<AttemptSpan> startAttemptSpan(Request& request,
                                              const std::shared_ptr<const std::string>& endpoint);

// Records the attempt's span with how it ended.
void finishAttemptSpan(AttemptSpan& span, const std::exception_ptr& error);

}  // namespace scales::tracing

// SPDX-License-Identifier: Apache-2.0
// The span of one handled call, for any server: scales' own Thrift servers use it, and so can an
// HTTP server with scales::http::inboundFromHeaders (docs/tracing.md).
#pragma once

#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/core/trace_context.h"
#include "scales/tracing/span.h"

namespace scales::tracing {

class ServerSpan {
 public:
  // The handled call's span: a child of the caller's (a new root when it sent none), sampled as
  // the caller decided, or else as the installed tracer decides.
  static TraceContext idsFor(const TraceContext& caller);
  // A recorder for the span `ids` (from idsFor), or null when it is not recorded (not sampled,
  // or tracing is off). `name` is the method or route.
  static std::unique_ptr<ServerSpan> begin(const TraceContext& ids, std::string name);

  void setRemote(std::string host_port) { span_.remote = std::move(host_port); }
  void tag(std::string key, std::string value) {
    span_.tags.emplace_back(std::move(key), std::move(value));
  }
  // Records the span on the installed tracer; `error` empty for success.
  void end(std::string error = {});

 private:
  Span span_;
  Clock::time_point began_;
};

}  // namespace scales::tracing

// SPDX-License-Identifier: Apache-2.0
#include "scales/tracing/server_span.h"

#include "scales/tracing/tracer.h"

namespace scales::tracing {

TraceContext ServerSpan::idsFor(const TraceContext& caller) {
  TraceContext ids = caller.valid() ? caller.child() : TraceContext::root();
  if (!caller.valid()) ids.flags = caller.flags;  // a decision that came without ids
  if (!ids.samplingKnown()) decideSampling(ids);
  return ids;
}

std::unique_ptr<ServerSpan> ServerSpan::begin(const TraceContext& ids, std::string name) {
  if (!ids.sampled() || !current()) return nullptr;
  auto span = std::make_unique<ServerSpan>();
  span->began_ = Clock::now();
  span->span_.ids = ids;
  span->span_.kind = Span::Kind::kServer;
  span->span_.start_us = wallMicros(span->began_);
  span->span_.name = std::move(name);
  return span;
}

void ServerSpan::end(std::string error) {
  Tracer* tracer = current();
  if (!tracer) return;
  span_.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began_).count();
  span_.error = std::move(error);
  tracer->record(std::move(span_));
}

}  // namespace scales::tracing

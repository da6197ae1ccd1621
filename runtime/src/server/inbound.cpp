// SPDX-License-Identifier: Apache-2.0
#include "inbound.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "scales/context/inherited.h"
#include "scales/mux/frame.h"
#include "scales/thrift/codec.h"
#include "scales/tracing/tracer.h"

namespace scales::server::detail {
namespace {
uint64_t big(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// Finagle's Deadline context: (timestamp, deadline), nanoseconds since the Unix epoch. Mapped
// onto our monotonic clock by what is left of it now; "Top" (INT64_MAX) means none.
Deadline deadlineOf(std::string_view value) {
  if (value.size() != 16) return Deadline::infinite();
  auto at = static_cast<int64_t>(big(value, 8, 8));
  if (at == std::numeric_limits<int64_t>::max()) return Deadline::infinite();
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::chrono::nanoseconds left(at > now ? at - now : 0);
  auto mono = Clock::now();
  if (left >= Clock::time_point::max() - mono) return Deadline::infinite();
  return Deadline(mono + left);
}
}  // namespace

void readMuxContexts(std::string_view contexts, CallContext& call) {
  size_t broadcast_bytes = 0;
  bool seen_deadline = false, seen_trace = false, seen_retries = false;
  mux::forEachContext(contexts, [&](std::string_view key, std::string_view value) {
    // The first of a repeated key stands: a later copy cannot override it.
    if (key == mux::kDeadlineKey) {
      if (!seen_deadline) call.deadline = deadlineOf(value);
      seen_deadline = true;
    } else if (key == mux::kTraceKey) {
      if (auto trace = TraceContext::fromMux(value); trace && !seen_trace) call.trace = *trace;
      seen_trace = true;
    } else if (key == mux::kRetriesKey) {
      if (value.size() == 4 && !seen_retries)
        call.retries = static_cast<uint32_t>(big(value, 0, 4));
      seen_retries = true;
    } else if (key == mux::kClientIdKey) {
      // The caller's name, not something to pass on: the next hop gets ours.
    } else if (call.broadcast.size() < scales::kMaxInboundBroadcast &&
               std::any_of(call.broadcast.begin(), call.broadcast.end(),
                           [&](const auto& kv) { return kv.first == key; })) {
      // A repeated key: the first one stands.
    } else if (call.broadcast.size() < scales::kMaxInboundBroadcast &&
               broadcast_bytes + key.size() + value.size() <= scales::kMaxInboundBroadcastBytes) {
      broadcast_bytes += key.size() + value.size();
      call.broadcast.emplace_back(std::string(key), std::string(value));
    }
  });
}

std::unique_ptr<tracing::ServerSpan> beginServerSpan(CallContext& call, std::string_view message) {
  call.trace = tracing::ServerSpan::idsFor(call.trace);
  if (!call.trace.sampled() || !tracing::current()) return nullptr;
  std::string name;
  try {
    // The caller's bytes: bounded before they are kept.
    name = thrift::peekMessage(message).name.substr(0, 128);
  } catch (const std::exception&) {
    name = "unreadable";  // the dispatcher answers it with an error
  }
  auto span = tracing::ServerSpan::begin(call.trace, std::move(name));
  if (span && call.retries > 0) span->tag("scales.retries", std::to_string(call.retries));
  return span;
}

void endServerSpan(tracing::ServerSpan& span, std::string_view reply) {
  std::string error;
  if (!reply.empty()) {
    auto field = thrift::replyFieldId(reply);
    if (!field) {
      error = "TApplicationException";
    } else if (*field != 0) {
      error = "declared exception (field " + std::to_string(*field) + ")";
    }
  }
  span.end(std::move(error));
}

}  // namespace scales::server::detail

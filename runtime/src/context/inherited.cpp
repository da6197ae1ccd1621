// SPDX-License-Identifier: Apache-2.0
#include "scales/context/inherited.h"

#include <algorithm>

#include "scales/context/call_options.h"
#include "scales/context/keys.h"
#include "scales/context/start_call.h"
#include "scales/core/errors.h"
#include "scales/tracing/tracer.h"

namespace scales {
namespace {
// Plain pointers: trivially initialized thread-locals are read without a guard, on every call.
thread_local const Inherited* current_inherited = nullptr;
thread_local const CallOptions* current_options = nullptr;
const Inherited kNothing{};
}  // namespace

const Inherited& inherited() { return current_inherited ? *current_inherited : kNothing; }

InheritedScope::InheritedScope(Inherited value)
    : value_(std::move(value)), previous_(current_inherited) {
  current_inherited = &value_;
}

InheritedScope::~InheritedScope() { current_inherited = previous_; }

CallOptionsScope::CallOptionsScope(CallOptions options)
    : options_(std::move(options)), previous_(current_options) {
  current_options = &options_;
}

CallOptionsScope::~CallOptionsScope() { current_options = previous_; }

const CallOptions* CallOptionsScope::current() { return current_options; }

// startCall lives here, beside the thread-locals it reads on every call.
namespace detail {
namespace {
// Replaces a context of the same key, or adds one while there is room.
void putBroadcast(Context& into, const std::string& key, const std::string& value, bool replace) {
  auto it = std::find_if(into.begin(), into.end(), [&](const auto& kv) { return kv.first == key; });
  if (it == into.end()) {
    if (into.size() < kMaxInboundBroadcast) into.emplace_back(key, value);
  } else if (replace) {
    it->second = value;
  }
}

// `after` from now; a duration beyond the clock's range (Duration::max(): none) is no deadline.
Deadline afterSaturating(Duration after) {
  auto now = Clock::now();
  if (after >= Clock::time_point::max() - now) return Deadline::infinite();
  return Deadline(now + after);
}
}  // namespace

void startCall(Request& request, Duration default_timeout) {
  if (const CallOptions* options = current_options) {
    if (options->deadline)
      request.deadline = Deadline::earliest(request.deadline, *options->deadline);
    if (options->timeout) {
      request.deadline = Deadline::earliest(request.deadline, afterSaturating(*options->timeout));
    }
    if (options->hash_key) request.hash_key = options->hash_key;
    for (const auto& [k, v] : options->contexts) {
      if (isReservedContextKey(k)) {
        throw UsageError("context key '" + k +
                         "' is scales' own: set the deadline or trace instead");
      }
      putBroadcast(request.broadcast, k, v, true);
    }
  }
  if (const Inherited* in = current_inherited) {
    if (!in->deadline.isInfinite()) {
      // The caller's own limit still applies when the inherited one is later.
      if (request.deadline.isInfinite()) request.deadline = afterSaturating(default_timeout);
      request.deadline = Deadline::earliest(request.deadline, in->deadline);
    }
    // Inherited contexts fill what room the call's own leave (at most kMaxInboundBroadcast).
    for (const auto& [k, v] : in->broadcast) {
      if (!isReservedContextKey(k)) putBroadcast(request.broadcast, k, v, false);
    }
    request.inbound_retries = in->retries;
    if (!request.span.valid() && in->trace.valid()) request.span = in->trace.child();
  }
  if (!request.span.valid()) request.span = TraceContext::root();
  if (!request.span.samplingKnown()) tracing::decideSampling(request.span);
}

}  // namespace detail

}  // namespace scales

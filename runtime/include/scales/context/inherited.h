// SPDX-License-Identifier: Apache-2.0
// What the calls a thread makes now inherit from the call it is handling (docs/context.md): the
// caller's deadline, its span (outgoing calls become its children), the broadcast contexts it
// carried, and whether it was itself a retry. A server makes it current around each handler
// call; every scales client reads it when a call starts, on the thread that starts it.
//
// Work that continues elsewhere (an async handler answering from another executor, a callback
// making the next call) takes it along: copy scales::inherited() during the handler and open an
// InheritedScope where the work resumes, or wrap the continuation in scales::bindInherited().
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "scales/core/deadline.h"
#include "scales/core/request.h"
#include "scales/core/trace_context.h"

namespace scales {

struct Inherited {
  Deadline deadline;     // infinite: the caller set none
  TraceContext trace;    // the span outgoing calls become children of; invalid: none
  Context broadcast;     // user contexts, passed on to every outgoing call by key
  uint32_t retries = 0;  // 0: the inbound call is a first attempt

  bool empty() const {
    return deadline.isInfinite() && !trace.valid() && broadcast.empty() && retries == 0;
  }
};

// Servers keep at most this many broadcast contexts from a call, of this many bytes in all, and
// drop the rest: a hostile caller's thousand contexts must not ride along on every call its
// handler makes.
inline constexpr size_t kMaxInboundBroadcast = 16;
inline constexpr size_t kMaxInboundBroadcastBytes = 4096;

// This thread's (empty outside a handler or scope).
const Inherited& inherited();

// Makes `value` current while the scope lives; nested scopes restore the outer one.
class InheritedScope {
 public:
  explicit InheritedScope(Inherited value);
  ~InheritedScope();
  InheritedScope(const InheritedScope&) = delete;
  InheritedScope& operator=(const InheritedScope&) = delete;

 private:
  Inherited value_;
  const Inherited* previous_;  // the thread holds a pointer: reading it costs no TLS guard
};

// `f`, to run later inside what is inherited now.
template <class F>
auto bindInherited(F f) {
  return [captured = inherited(), f = std::move(f)](auto&&... args) mutable {
    InheritedScope scope(captured);
    return f(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace scales

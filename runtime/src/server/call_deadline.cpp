// SPDX-License-Identifier: Apache-2.0
#include "scales/server/call_deadline.h"

#include "scales/core/errors.h"
#include "scales/server/dispatcher.h"

namespace scales::server {
namespace {
thread_local std::shared_ptr<const transport::PeerIdentity> current_peer;

Inherited inheritedFrom(const CallContext& context) {
  Inherited value;
  value.deadline = context.deadline;
  value.trace = context.trace;
  value.broadcast = context.broadcast;
  value.retries = context.retries;
  return value;
}
}  // namespace

Deadline callDeadline() { return inherited().deadline; }

uint32_t callRetries() { return inherited().retries; }

std::shared_ptr<const transport::PeerIdentity> peerIdentity() { return current_peer; }

detail::CallScope::CallScope(const CallContext& context)
    : inherited_(inheritedFrom(context)), previous_peer_(std::move(current_peer)) {
  current_peer = context.peer;
}

detail::CallScope::~CallScope() { current_peer = std::move(previous_peer_); }

std::exception_ptr detail::skipHandler(const CallContext& context) {
  if (context.control && context.control->discarded()) {
    // Its reply is dropped by the session: the tag may already carry another call.
    return std::make_exception_ptr(CancelledError("call discarded by the client"));
  }
  if (context.deadline.expired()) {
    if (context.control) context.control->countSkipped();
    return std::make_exception_ptr(ApplicationError(
        ApplicationError::Type::kInternalError,
        "deadline exceeded before a handler started (the caller no longer waits)"));
  }
  return nullptr;
}

}  // namespace scales::server

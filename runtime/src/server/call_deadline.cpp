// SPDX-License-Identifier: Apache-2.0
#include "scales/server/call_deadline.h"

#include "scales/core/errors.h"
#include "scales/server/dispatcher.h"

namespace scales::server {
namespace {
thread_local Deadline current_deadline;
thread_local std::shared_ptr<const transport::PeerIdentity> current_peer;
}  // namespace

Deadline callDeadline() { return current_deadline; }

std::shared_ptr<const transport::PeerIdentity> peerIdentity() { return current_peer; }

detail::CallScope::CallScope(const CallContext& context)
    : deadline_(context.deadline), previous_peer_(std::move(current_peer)) {
  current_peer = context.peer;
}

detail::CallScope::~CallScope() { current_peer = std::move(previous_peer_); }

detail::DeadlineScope::DeadlineScope(Deadline deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

detail::DeadlineScope::~DeadlineScope() { current_deadline = previous_; }

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

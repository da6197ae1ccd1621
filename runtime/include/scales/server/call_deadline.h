// SPDX-License-Identifier: Apache-2.0
// What is left of the caller's deadline, for a handler: Mux clients (scales and Finagle) send it
// in the com.twitter.finagle.Deadline context, and the generated dispatcher makes it current on
// the thread that runs the handler. A handler that fans out can pass it on, or stop work the
// caller will no longer wait for. Framed Thrift carries no deadline: it reads as infinite.
#pragma once

#include <memory>

#include "scales/core/deadline.h"
#include "scales/server/dispatcher.h"
#include "scales/transport/tls.h"

namespace scales::server {

// The deadline of the call this thread is handling (infinite outside a handler). An async
// handler that answers later should copy it during its call.
Deadline callDeadline();

// Who the verified TLS certificate of this thread's caller names (its subject and SANs, SPIFFE
// IDs included); null for a plaintext caller, one without a certificate, or outside a handler.
// An async handler that answers later should copy it during its call.
std::shared_ptr<const transport::PeerIdentity> peerIdentity();

namespace detail {
// Makes `deadline` current for the handler call in its scope (used by generated dispatchers).
class DeadlineScope {
 public:
  explicit DeadlineScope(Deadline deadline);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

 private:
  Deadline previous_;
};

// Makes the call's deadline and peer current for the handler call in its scope.
class CallScope {
 public:
  explicit CallScope(const CallContext& context);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  DeadlineScope deadline_;
  std::shared_ptr<const transport::PeerIdentity> previous_peer_;
};
}  // namespace detail

}  // namespace scales::server

// SPDX-License-Identifier: Apache-2.0
// What is left of the caller's deadline, for a handler: Mux clients (scales and Finagle) send it
// in the com.twitter.finagle.Deadline context, and the generated dispatcher makes it current on
// the thread that runs the handler. A handler that fans out can pass it on, or stop work the
// caller will no longer wait for. Framed Thrift carries no deadline: it reads as infinite.
#pragma once

#include <memory>

#include "scales/context/inherited.h"
#include "scales/core/deadline.h"
#include "scales/server/dispatcher.h"
#include "scales/transport/tls.h"

namespace scales::server {

// The deadline of the call this thread is handling (infinite outside a handler):
// scales::inherited().deadline. An async handler that answers later should copy it during its
// call (or all of scales::inherited(), which its outgoing calls need).
Deadline callDeadline();

// How many times the caller sent this call before (Mux's com.twitter.finagle.Retries context;
// 0 for a first attempt, outside a handler, and for protocols that do not say).
uint32_t callRetries();

// Who the verified TLS certificate of this thread's caller names (its subject and SANs, SPIFFE
// IDs included); null for a plaintext caller, one without a certificate, or outside a handler.
// An async handler that answers later should copy it during its call.
std::shared_ptr<const transport::PeerIdentity> peerIdentity();

namespace detail {
// Makes the call's deadline, span, broadcast contexts, retry count (scales::inherited()) and peer
// current for the handler call in its scope (used by generated dispatchers).
class CallScope {
 public:
  explicit CallScope(const CallContext& context);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  InheritedScope inherited_;
  std::shared_ptr<const transport::PeerIdentity> previous_peer_;
};
}  // namespace detail

}  // namespace scales::server

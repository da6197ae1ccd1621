// SPDX-License-Identifier: Apache-2.0
// What is left of the caller's deadline, for a handler: Mux clients (scales and Finagle) send it
// in the com.twitter.finagle.Deadline context, and the generated dispatcher makes it current on
// the thread that runs the handler. A handler that fans out can pass it on, or stop work the
// caller will no longer wait for. Framed Thrift carries no deadline: it reads as infinite.
#pragma once

#include "scales/core/deadline.h"

namespace scales::server {

// The deadline of the call this thread is handling (infinite outside a handler). An async
// handler that answers later should copy it during its call.
Deadline callDeadline();

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
}  // namespace detail

}  // namespace scales::server

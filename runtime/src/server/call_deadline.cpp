// SPDX-License-Identifier: Apache-2.0
#include "scales/server/call_deadline.h"

namespace scales::server {
namespace {
thread_local Deadline current_deadline;
}  // namespace

Deadline callDeadline() { return current_deadline; }

detail::DeadlineScope::DeadlineScope(Deadline deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

detail::DeadlineScope::~DeadlineScope() { current_deadline = previous_; }

}  // namespace scales::server

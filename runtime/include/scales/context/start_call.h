// SPDX-License-Identifier: Apache-2.0
// Where a call picks up what its thread holds (used by client::Channel, on the caller's thread).
#pragma once

#include "scales/core/deadline.h"
#include "scales/core/request.h"

namespace scales::detail {

// Applies the current CallOptionsScope and what is inherited (scales/context/inherited.h):
// the deadline becomes the earliest of the call's own (or, with an inherited deadline, the
// client's `default_timeout`) and the inherited one; broadcast contexts are added; the call gets
// its span, a child of the inherited one or a new root with the tracer's sampling decision.
void startCall(Request& request, Duration default_timeout);

}  // namespace scales::detail

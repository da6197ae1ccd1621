// SPDX-License-Identifier: Apache-2.0
// Calls every InteropService method through a scales client and checks each answer against
// interop/sample_values.h: the same checks whether the server is scales or stock Apache Thrift.
#pragma once

#include "InteropService.scales.h"

namespace scales::testing {

// `crash_type` is what the server reports for a handler's unexpected exception: scales says
// INTERNAL_ERROR, a stock Apache Thrift processor UNKNOWN.
void exerciseEveryCall(interop::InteropServiceClient& client,
                       ApplicationError::Type crash_type = ApplicationError::Type::kInternalError);

}  // namespace scales::testing

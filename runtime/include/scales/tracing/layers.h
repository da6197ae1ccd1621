// SPDX-License-Identifier: Apache-2.0
// The client stack's two tracing layers (scales/client/layers.h):
//   trace           below `deadline`: one client span per call, covering every attempt;
//   endpoint_trace  the top of each endpoint's layers: gives each recorded attempt its own span
//                   id (the one the wire carries, so the server's span is its child) and records
//                   it; an unrecorded attempt carries the call's span. The stack runs it with
//                   the endpoint's other built-in layers (client/endpoint/trace_watcher.cpp);
//                   attemptTraceLayer is the same as a layer of its own, for a stack built by
//                   hand.
// Both pass calls straight through unless the call's span is sampled and a tracer is installed.
#pragma once

#include <memory>
#include <string>

#include "scales/core/service.h"

namespace scales::tracing {

std::unique_ptr<RpcService> callTraceLayer(std::unique_ptr<RpcService> next,
                                           std::string client_name);
std::unique_ptr<RpcService> attemptTraceLayer(std::unique_ptr<RpcService> next,
                                              std::string endpoint);

}  // namespace scales::tracing

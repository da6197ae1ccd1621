// SPDX-License-Identifier: Apache-2.0
// What a call brings across the hop into a server (docs/context.md): read from Mux contexts,
// bounded, and turned into the handler's scales::inherited() and its server span.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "scales/server/dispatcher.h"
#include "scales/tracing/server_span.h"

namespace scales::server::detail {

// Fills the deadline, caller's span, retry count and broadcast contexts (at most
// kMaxInboundBroadcast, scales/context/inherited.h) of `call` from a Tdispatch's validated
// contexts. Unreadable values are ignored (an optional context never fails
// a call).
void readMuxContexts(std::string_view contexts, CallContext& call);

// Makes call.trace this call's server span (tracing::ServerSpan::idsFor) and returns its
// recorder when it is recorded; `message` is the Thrift call, for the span's name.
std::unique_ptr<tracing::ServerSpan> beginServerSpan(CallContext& call, std::string_view message);
// Records it with the outcome `reply` (the encoded Thrift reply; empty for oneway) says.
void endServerSpan(tracing::ServerSpan& span, std::string_view reply);

}  // namespace scales::server::detail

// SPDX-License-Identifier: Apache-2.0
// What crosses an HTTP hop (docs/context.md, "HTTP"): the trace as B3 (X-B3-* and the single
// `b3` header) and W3C (`traceparent`, `tracestate`), and Finagle's context headers:
//   Finagle-Ctx-com.twitter.finagle.Deadline: <timestamp ns> <deadline ns>   (decimal, epoch)
//   Finagle-Ctx-com.twitter.finagle.Retries:  <n>                           (decimal)
//   Finagle-Ctx-<key>:                        base64(<value>)               (broadcast contexts)
// scales::http::Client writes them on every attempt; an HTTP server reads them with
// inboundFromHeaders() and makes the result current around its handler.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scales/context/inherited.h"
#include "scales/core/request.h"

namespace scales::http {

// Which trace headers a client writes; servers read all of them (b3, then X-B3-*, then
// traceparent: the first valid one wins).
enum class TraceHeaders { kB3, kW3c, kBoth, kNone };
TraceHeaders parseTraceHeaders(std::string_view name);  // "b3", "w3c", "both", "none"

// The broadcast key a W3C `tracestate` travels under between hops (so it survives a Mux hop).
inline constexpr std::string_view kTraceStateKey = "w3c.tracestate";

// Adds the call's propagation headers after the request line of `wire`. Broadcast keys that
// are not HTTP tokens cannot be header names and are left out.
void addPropagationHeaders(std::string& wire, const scales::Request& call, TraceHeaders which);

// What a request carried: its deadline, the caller's span (trace: make it the handler's with
// tracing::ServerSpan::idsFor), retries and broadcast contexts (at most 16, 4 KiB in all).
// Malformed values are ignored, as a call must not fail for an optional header.
using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;
Inherited inboundFromHeaders(const HeaderViews& headers);

// The same for any header container whose entries have name_string() and value() (Beast's).
template <class Fields>
Inherited inboundFromFields(const Fields& fields) {
  HeaderViews views;
  for (const auto& field : fields) {
    views.emplace_back(std::string_view(field.name_string().data(), field.name_string().size()),
                       std::string_view(field.value().data(), field.value().size()));
  }
  return inboundFromHeaders(views);
}

}  // namespace scales::http

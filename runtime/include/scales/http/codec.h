// SPDX-License-Identifier: Apache-2.0
// How HTTP messages travel through the protocol-neutral stack: a request is encoded once into its
// wire bytes (the connection adds Host for the endpoint it is on); a response, parsed by Beast on
// the connection, travels as a normalized head plus its de-chunked body.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "scales/core/request.h"
#include "scales/http/message.h"

namespace scales::http {

// The request's wire bytes. Throws UsageError for a method, target or header that would break
// the framing (spaces or control characters where HTTP forbids them).
std::string encodeRequest(const Request& request);

// Inserts "Host: <host>" after the request line when the request has no Host header.
void addHostIfMissing(std::string& wire, std::string_view host);
// Adds the call's context (set by layers, e.g. an auth filter) as headers, after the request
// line. Throws UsageError for a name that is not an HTTP token or a value with CR, LF or NUL.
void addContextHeaders(std::string& wire, const scales::Context& context);

// The connection's normalized form, and back: "<status> <reason>\r\n(<name>: <value>\r\n)*\r\n"
// followed by the body.
std::string encodeResponse(const Response& response);
Response decodeResponse(std::string_view normalized);

// The stack's ReplyClassifier for HTTP (scales/core/reply_class.h): every 5xx is a failure of
// the endpoint; a 503 or a 429 is retryable when the request is idempotent (RFC 9110's methods,
// or its method policy), no sooner than its Retry-After. Every other status is a success.
ReplyClass classifyReply(const ReplyContext& call, const scales::Response& reply);
// A Retry-After value (delta-seconds or an IMF-fixdate) as a wait from `now`, at most a day;
// zero for a past date or a value it cannot read.
Duration parseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace scales::http

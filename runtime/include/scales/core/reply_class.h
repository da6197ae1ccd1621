// SPDX-License-Identifier: Apache-2.0
// ReplyClass: what a reply that arrived says about the call and the endpoint (Finagle's
// ResponseClass). A reply is not always a success: an HTTP 503, a Redis LOADING error, or a
// declared exception the IDL marks `scales.failure` means the server is not serving. Each
// attempt's reply is classified once, at the bottom of the endpoint's layers, and the result
// travels up with the reply: failure accrual, the circuit breaker, outlier detection and the
// endpoint's metrics count a failure, and the retry filter sends a retryable one again.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "scales/core/deadline.h"
#include "scales/core/method_policy.h"

namespace scales {

struct Response;

struct ReplyClass {
  // The reply counts against the endpoint, as a transport failure would.
  bool failure = false;
  // The retry filter may send the call again, idempotent or not: the server says it did nothing
  // (a Thrift exception marked scales.retryable, Redis LOADING) or the request is idempotent (an
  // HTTP 503 to a GET).
  bool retryable = false;
  // The least wait before that retry the server asked for (HTTP Retry-After); zero: none.
  Duration retry_after{};
  // Names the failure in metrics (the endpoint's failures{type=}) and in the reason an endpoint
  // was taken out, e.g. "http_503", "redis_LOADING", "thrift_exception_2". Empty on success.
  std::string label;

  static ReplyClass success() { return {}; }
  static ReplyClass failed(std::string label, bool retryable = false) {
    return {true, retryable, Duration{}, std::move(label)};
  }
};

// What a classifier sees of the call a reply answers.
struct ReplyContext {
  std::string_view method;
  const MethodPolicy* policy = nullptr;  // null: the method has none
  bool idempotent() const { return policy != nullptr && policy->idempotent; }
};

// A protocol's built-in classification (scales/client/channel.h ProtocolStack); null: every
// reply is a success.
using ReplyClassifier = ReplyClass (*)(const ReplyContext& call, const Response& reply);

// A client's own classification (ClientConfig::classify), consulted before the protocol's:
// nullopt leaves the reply to the protocol's classifier. Runs on the client's event loop for
// every reply; it must not block.
using CustomClassifier =
    std::function<std::optional<ReplyClass>(const ReplyContext& call, const Response& reply)>;

}  // namespace scales

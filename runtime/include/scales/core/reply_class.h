// SPDX-License-Identifier: Apache-2.0
// ReplyClass: what a reply that arrived says about the call and the endpoint (Finagle's
// ResponseClass). A reply is not always a success: an HTTP 503, a Redis LOADING error, or a
// declared exception the IDL marks `scales.failure` means the server is not serving. Each
// attempt's reply is classified once, at the bottom of the endpoint's layers, and the result
// travels up with the reply: failure accrual, the circuit breaker, outlier detection and the
// endpoint's metrics count a failure, and the retry filter sends a retryable one again.
#pragma once

#include <cstdint>
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
  // Names the failure in metrics (the endpoint's failures{error=}) and in the reason an endpoint
  // was taken out: `kind`, then `_<code>` when there is a code ("http_503", "redis_LOADING",
  // "thrift_exception_2"). `kind` must outlive the client: a string literal. (Every reply carries
  // a ReplyClass through every layer: it holds no std::string, whose moves would cost every call.)
  const char* kind = nullptr;
  int32_t code = -1;  // -1: none
  // The least wait before that retry the server asked for (HTTP Retry-After); zero: none.
  Duration retry_after{};

  // kind[_code]; "classified" for a failure without a kind; empty for a success.
  std::string label() const;

  static ReplyClass success() { return {}; }
  static ReplyClass failed(const char* kind, bool retryable = false, int32_t code = -1) {
    return {true, retryable, kind, code, Duration{}};
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

// A protocol's classifier, and whether it can judge the replies to a call with this policy at
// all (null: always). When it cannot (a Thrift method whose policy marks no exception), the stack
// skips classifying: every reply passes through every layer, so that saves work on each call.
struct ProtocolClassifier {
  ProtocolClassifier(ReplyClassifier c = nullptr,  // NOLINT: a plain classifier converts
                     bool (*judges)(const MethodPolicy*) = nullptr)
      : classify(c), judges_calls(judges) {}
  ReplyClassifier classify;
  bool (*judges_calls)(const MethodPolicy*);
};

// A client's own classification (ClientConfig::classify), consulted before the protocol's:
// nullopt leaves the reply to the protocol's classifier. Runs on the client's event loop for
// every reply; it must not block.
using CustomClassifier =
    std::function<std::optional<ReplyClass>(const ReplyContext& call, const Response& reply)>;

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// The protocol-neutral unit of work that flows down the client stack: an encoded payload plus what
// the layers need to route it (method, deadline, oneway, broadcast context).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scales/core/call_trace.h"
#include "scales/core/deadline.h"
#include "scales/core/method_policy.h"
#include "scales/core/reply_class.h"
#include "scales/core/trace_context.h"

namespace scales {

// Key/value pairs carried to the server (Mux contexts, HTTP headers; ignored by framed Thrift).
using Context = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;   // for routing, metrics and error messages
  std::string payload;  // the encoded message (e.g. a Thrift message, without framing)
  Deadline deadline;
  bool oneway = false;  // no reply expected: completes once written
  // Which attempt of its call this is (the retry and backup layers say; next to `oneway`, where
  // it fills what was padding).
  AttemptKind attempt_kind = AttemptKind::kFirst;
  // This hop's own entries (a filter's auth token): Mux contexts, HTTP headers.
  Context context;
  // What crosses hops (scales/context): contexts servers pass on to the calls they make for this
  // one (Mux contexts, Finagle-Ctx- headers), and the span this attempt is (a child of the call's
  // span once the stack's trace layers have run; invalid: none).
  Context broadcast;
  TraceContext span;
  uint32_t retries = 0;          // attempts of this call before this one (requeues and retries)
  uint32_t inbound_retries = 0;  // the handled call's, for a call made inside a handler
  // Routes the call under ring hash (scales::hashKey of a key the caller names); other
  // balancers ignore it.
  std::optional<uint64_t> hash_key;
  // What the retry layer may do with this call; null: nothing beyond requeues.
  const MethodPolicy* policy = nullptr;
  // Started by the retry filter; each node the call reaches records its attempt there.
  std::shared_ptr<CallTrace> trace;
};

struct Response {
  std::string payload;  // empty for oneway calls
  // Set at the bottom of the endpoint's layers from the protocol's and the client's
  // classifiers (scales/core/reply_class.h): whether this reply is a failure nonetheless.
  ReplyClass reply_class = {};
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// Per-call options for any scales client (generated Thrift stubs, HTTP, Redis), set for the calls
// a thread starts while a CallOptionsScope lives, so no signature changes:
//
//   scales::CallOptionsScope options({.timeout = 50ms, .contexts = {{"tenant", "acme"}}});
//   auto sum = client->add(1, 2);
//
// A call starts when its method is called (for asio::deferred: when the operation is launched).
// Scopes nest; the innermost wins.
#pragma once

#include <cstdint>
#include <optional>

#include "scales/core/deadline.h"
#include "scales/core/request.h"

namespace scales {

struct CallOptions {
  // This call's own limit; the earlier of it and `deadline` wins, and an inherited deadline
  // (inside a handler) that is earlier still wins over both. Unset: the client's timeout.
  std::optional<Duration> timeout{};
  std::optional<Deadline> deadline{};
  // Routes the call under ring hash (scales::hashKey of a key the caller names).
  std::optional<uint64_t> hash_key{};
  // Broadcast contexts: sent with the call and passed on by servers to the calls they make for it
  // (Mux contexts, Finagle-Ctx- headers on HTTP). Replace inherited ones of the same key; with
  // them, at most kMaxInboundBroadcast (16) go, these first. Finagle's own keys
  // (scales/context/keys.h) are a UsageError when the call starts.
  Context contexts{};
};

class CallOptionsScope {
 public:
  explicit CallOptionsScope(CallOptions options);
  ~CallOptionsScope();
  CallOptionsScope(const CallOptionsScope&) = delete;
  CallOptionsScope& operator=(const CallOptionsScope&) = delete;

  // The innermost scope's options on this thread; null outside any.
  static const CallOptions* current();

 private:
  CallOptions options_;
  const CallOptions* previous_;
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// The retry filter: sends a call again when that is safe and worth it, on another endpoint.
//  - Requeues: a call no server saw (connect failed, NACK, draining) goes again at once, whatever
//    the method, up to max_requeues.
//  - Retries: after a timeout of one attempt, a broken connection or garbage from the server, a
//    call goes again only if its method is idempotent; after a reply classified retryable (a
//    declared exception its policy calls retryable, whatever the method; an HTTP 503 to an
//    idempotent request), scales/core/reply_class.h. Up to max_retries, after an exponential,
//    jittered backoff, and no sooner than a reply's Retry-After.
// Every extra attempt withdraws from the client's retry budget (a retry waiting in backoff has
// already withdrawn), and none starts when the deadline has too little time left for it: less
// than the backoff plus the recent median latency. The error that ends a call carries the call's
// attempt trace, naming the limit that ended it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "scales/core/service.h"
#include "scales/resilience/latency_window.h"
#include "scales/resilience/retry_budget.h"

namespace scales::resilience {

struct RetryOptions {
  int max_requeues = 3;  // extra sends of calls no server saw
  int max_retries = 2;   // extra sends after retryable failures
  // Backoff before retry n (from 0): min(initial * 2^n, max), equal-jittered (half fixed, half
  // random). Requeues do not back off.
  Duration backoff_initial = std::chrono::milliseconds(5);
  Duration backoff_max = std::chrono::seconds(1);
  // Each attempt's own budget within the call's deadline; zero: none (an attempt may use the
  // whole deadline, so a timeout is never retried).
  Duration attempt_timeout = Duration::zero();
  // The default for methods whose policy does not say (no IDL annotation, no override).
  bool idempotent = false;
  // false: a call made inside a handler whose own inbound call is a retry (its Retries context
  // is above 0) is not retried: with every tier retrying, attempts multiply hop over hop (3
  // tiers of 3 tries: 27 at the bottom). Requeues, which no server saw, still happen.
  bool retry_within_retry = true;
};

// `latencies` (fed by the nodes with every successful attempt's latency) supplies the median
// that a retry must fit in. A reply whose ReplyClass is retryable goes again like a retryable
// failure, after at least the wait the server asked for (ReplyClass::retry_after).
std::unique_ptr<RpcService> retryFilter(std::unique_ptr<RpcService> next,
                                        const RetryOptions& options,
                                        std::shared_ptr<RetryBudget> budget,
                                        std::shared_ptr<AttemptCounters> counters,
                                        std::shared_ptr<LatencyWindow> latencies,
                                        boost::asio::any_io_executor executor);

}  // namespace scales::resilience

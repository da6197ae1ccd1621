// SPDX-License-Identifier: Apache-2.0
// The deadline filter: the top of every stack. It owns the caller's handler, completes it exactly
// once (reply, error, TimeoutError at the deadline, or CancelledError when the caller cancels) on
// the handler's associated executor, and cancels the work below so that connections and queue
// slots are released.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>

#include "scales/core/service.h"
#include "scales/metrics/metric.h"

namespace scales::resilience {

// The calls between the deadline filter's call() and the caller's completion, and the attempts
// below them (which may outlive their call: a timed-out attempt ends when its cancellation has
// reached its connection), for a graceful close. `idle` is posted to `executor` (once, then
// cleared) when the count falls to zero. Confined to the stack's executor.
struct CallsInFlight {
  size_t count = 0;
  std::function<void()> idle;
  boost::asio::any_io_executor executor;  // where `idle` runs (the stack's)

  void enter() { ++count; }
  void leave();
};

// `timeouts` (may be null) counts calls that missed their deadline. A call without a deadline
// gets one `default_timeout` from now (Duration::max(): none). `in_flight` (may be null) counts
// the calls it holds.
std::unique_ptr<RpcService> deadlineFilter(std::unique_ptr<RpcService> next,
                                           boost::asio::any_io_executor executor,
                                           std::shared_ptr<metrics::Counter> timeouts = nullptr,
                                           Duration default_timeout = Duration::max(),
                                           std::shared_ptr<CallsInFlight> in_flight = nullptr);

}  // namespace scales::resilience

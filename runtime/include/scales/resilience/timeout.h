// SPDX-License-Identifier: Apache-2.0
// The deadline filter: the top of every stack. It owns the caller's handler, completes it exactly
// once (reply, error, TimeoutError at the deadline, or CancelledError when the caller cancels) on
// the handler's associated executor, and cancels the work below so that connections and queue
// slots are released.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "scales/core/service.h"
#include "scales/metrics/metric.h"

namespace scales::resilience {

// `timeouts` (may be null) counts calls that missed their deadline. A call without a deadline
// gets one `default_timeout` from now (Duration::max(): none).
std::unique_ptr<RpcService> deadlineFilter(std::unique_ptr<RpcService> next,
                                           boost::asio::any_io_executor executor,
                                           std::shared_ptr<metrics::Counter> timeouts = nullptr,
                                           Duration default_timeout = Duration::max());

}  // namespace scales::resilience

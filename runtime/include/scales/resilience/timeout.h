// SPDX-License-Identifier: Apache-2.0
// The deadline filter: the top of every stack. It owns the caller's handler, completes it exactly
// once (reply, error, TimeoutError at the deadline, or CancelledError when the caller cancels) on
// the handler's associated executor, and cancels the work below so that connections and queue
// slots are released.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "scales/core/service.h"

namespace scales::resilience {

std::unique_ptr<RpcService> deadlineFilter(std::unique_ptr<RpcService> next,
                                           boost::asio::any_io_executor executor);

}  // namespace scales::resilience

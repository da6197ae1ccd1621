// SPDX-License-Identifier: Apache-2.0
// Per-endpoint concurrency limit: at most max_concurrency calls in flight to one node. The next
// call is refused at once with RejectedError ("maximum concurrency reached", a backpressure signal
// the caller can act on) or, with max_queue > 0, waits in a bounded FIFO queue and goes as soon as
// a slot frees. Queued calls count as the node's load, so balancers steer away from a full node.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "scales/core/service.h"

namespace scales::resilience {

struct ConcurrencyLimitOptions {
  size_t max_concurrency = 0;  // calls in flight per endpoint; 0: no limit (the default)
  size_t max_queue = 0;        // calls that may wait for a slot; 0: refuse at once
};

// `label` names the endpoint in errors.
std::unique_ptr<RpcService> concurrencyLimit(std::unique_ptr<RpcService> next,
                                             const ConcurrencyLimitOptions& options,
                                             std::string label,
                                             boost::asio::any_io_executor executor);

}  // namespace scales::resilience

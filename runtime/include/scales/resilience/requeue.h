// SPDX-License-Identifier: Apache-2.0
// Requeues: a call that provably never reached a server (the connection could not be opened, or
// the server NACKed it or was draining) goes back to the balancer for another endpoint. Nothing
// else is retried here: a call that may have run is the retry filter's business (issue #5).
#pragma once

#include <memory>

#include "scales/core/service.h"
#include "scales/resilience/retry_budget.h"

namespace scales::resilience {

struct RequeueOptions {
  // Further attempts after the first, at most; the client's retry budget bounds them too.
  int max_requeues = 3;
};

// Each call deposits in `budget` and each requeue withdraws; with the budget spent, the call
// fails with the error that would have been requeued.
std::unique_ptr<RpcService> requeueFilter(std::unique_ptr<RpcService> next,
                                          const RequeueOptions& options,
                                          std::shared_ptr<RetryBudget> budget);

}  // namespace scales::resilience

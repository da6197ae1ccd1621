// SPDX-License-Identifier: Apache-2.0
// Requeues: a call that provably never reached a server (the connection could not be opened, or
// the server NACKed it or was draining) goes back to the balancer for another endpoint. Nothing
// else is retried here: a call that may have run is the retry filter's business (issue #5).
#pragma once

#include <memory>

#include "scales/core/service.h"

namespace scales::resilience {

struct RequeueOptions {
  // Further attempts after the first (Finagle bounds these by a budget; a fixed cap until the
  // retry budget exists).
  int max_requeues = 3;
};

std::unique_ptr<RpcService> requeueFilter(std::unique_ptr<RpcService> next,
                                          const RequeueOptions& options);

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// The client stack, assembled top-down in request order. One comment per layer says why it sits
// where it does.
#include "scales/client/stack.h"

#include "balanced_service.h"
#include "scales/balancer/balancers.h"
#include "scales/discovery/resolver.h"
#include "scales/resilience/concurrency_limit.h"
#include "scales/resilience/requeue.h"
#include "scales/resilience/timeout.h"

namespace scales::client {

std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       PoolFactory pools, boost::asio::any_io_executor executor) {
  // Bottom: per endpoint, the protocol's pool of connections (one multiplexed Mux session, or
  // a watermark pool of exclusive connections), behind the endpoint's concurrency limit so that
  // queued calls count as the node's load; the node reports load and health to the balancer.
  auto make_node = [pools, executor, limit = config.concurrency, accrual = config.failure_accrual,
                    decay =
                        config.balancer_options.ewma_decay](const discovery::Endpoint& endpoint) {
    auto pool = pools(endpoint, executor);
    const pool::Pool* connections = pool.get();
    auto limited =
        resilience::concurrencyLimit(std::move(pool), limit, endpoint.address(), executor);
    return std::make_shared<NodeService>(endpoint, decay, std::move(limited), connections, accrual,
                                         executor);
  };

  // Balancer: picks a node per call among the endpoints the resolver reports. It sits below the
  // deadline so that time spent waiting for the first resolution counts against the call.
  auto balanced = std::make_unique<BalancedService>(
      discovery::makeResolver(uri, executor),
      balancer::makeBalancer(config.balancer, config.balancer_options), std::move(make_node),
      executor, uri.text);

  // Requeue: above the balancer, so a call no server saw (connect refused, NACK, drain) is
  // picked again, and by then the failed node is marked and skipped.
  // One retry budget per client: every source of extra attempts draws on it.
  auto budget = std::make_shared<resilience::RetryBudget>(config.retry_budget);
  auto requeued = resilience::requeueFilter(std::move(balanced), config.requeue, budget);

  // Top: the deadline owns the caller's handler, so every layer below may be cancelled by it and
  // the caller hears back exactly once; it spans every requeue.
  return resilience::deadlineFilter(std::move(requeued), executor);
}

}  // namespace scales::client

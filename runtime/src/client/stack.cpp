// SPDX-License-Identifier: Apache-2.0
// The client stack, assembled top-down in request order. One comment per layer says why it sits
// where it does.
#include "scales/client/stack.h"

#include "balanced_service.h"
#include "scales/balancer/balancers.h"
#include "scales/discovery/resolver.h"
#include "scales/resilience/backup.h"
#include "scales/resilience/concurrency_limit.h"
#include "scales/resilience/retry.h"
#include "scales/resilience/timeout.h"

namespace scales::client {

std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       PoolFactory pools, boost::asio::any_io_executor executor,
                                       ReplyClassifier classify,
                                       std::shared_ptr<const ClientMetrics> metrics) {
  if (!metrics) {
    metrics = std::make_shared<ClientMetrics>(
        config.metrics ? *config.metrics : metrics::defaultRegistry(),
        config.name.empty() ? uri.text : config.name);
  }
  auto counters = metrics->attempts;
  // Bottom: per endpoint, the protocol's pool of connections (one multiplexed Mux session, or
  // a watermark pool of exclusive connections), behind the endpoint's concurrency limit so that
  // queued calls count as the node's load; the node records attempts, reports load and health
  // to the balancer, and holds the endpoint's accrual, breaker and health checks.
  // One latency window per client: the nodes feed it; backups fire at its percentile, and
  // retries must fit its median in what is left of the deadline.
  auto latencies = std::make_shared<resilience::LatencyWindow>();
  NodeOptions node_options{config.balancer_options.ewma_decay,
                           config.failure_accrual,
                           config.breaker,
                           config.health_check,
                           latencies,
                           metrics};
  resilience::CircuitBreaker{config.breaker};  // validates the options now
  if (!config.health_check.probe.empty()) health::makeProbe(config.health_check.probe);
  auto make_node = [pools, executor, limit = config.concurrency,
                    node_options](const discovery::Endpoint& endpoint) {
    auto pool = pools(endpoint, executor);
    const pool::Pool* connections = pool.get();
    auto limited =
        resilience::concurrencyLimit(std::move(pool), limit, endpoint.address(), executor);
    return std::make_shared<NodeService>(endpoint, node_options, std::move(limited), connections,
                                         executor);
  };

  // Balancer: picks a node per call among the endpoints the resolver reports, away from those
  // the call already tried. It sits below the deadline so that time spent waiting for the first
  // resolution counts against the call; it ejects outliers because only it sees every node.
  auto balanced = std::make_unique<BalancedService>(
      discovery::makeResolver(uri, executor, config.discovery),
      balancer::makeBalancer(config.balancer, config.balancer_options), std::move(make_node),
      executor, uri.text, config.outliers, metrics);

  // One retry budget per client: requeues, retries and backups all draw on it.
  auto budget = std::make_shared<resilience::RetryBudget>(config.retry_budget);

  // Backup requests: below the retry filter, so that each attempt may be hedged and a hedged
  // attempt's failure is still the retry filter's to judge.
  auto hedged = resilience::backupFilter(std::move(balanced), config.backup, budget, counters,
                                         latencies, executor);

  // Retries and requeues: above the balancer, so a call goes back for another pick, by which
  // time a failed node may be marked and skipped.
  auto retried =
      resilience::retryFilter(std::move(hedged), config.retry, std::move(budget),
                              std::move(counters), std::move(latencies), classify, executor);

  // Top: the deadline owns the caller's handler, so every layer below may be cancelled by it and
  // the caller hears back exactly once; it spans every retry. Calls without a deadline of their
  // own get the client's timeout here.
  return resilience::deadlineFilter(std::move(retried), executor, metrics->timeouts,
                                    config.timeout);
}

}  // namespace scales::client

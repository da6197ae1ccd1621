// SPDX-License-Identifier: Apache-2.0
// The client stack, assembled top-down in request order. One comment per layer says why it sits
// where it does.
#include "scales/client/stack.h"

#include "balanced_service.h"
#include "scales/balancer/balancers.h"
#include "scales/discovery/resolver.h"
#include "scales/resilience/timeout.h"

namespace scales::client {

std::unique_ptr<RpcService> buildStack(const discovery::Uri& uri, const ClientConfig& config,
                                       TransportFactory transport,
                                       boost::asio::any_io_executor executor) {
  // Bottom: per endpoint, a pool lends connections made by the protocol's transport factory.
  auto make_pool = [config, transport, executor](const discovery::Endpoint& endpoint) {
    return pool::pools::caching(config.pool, transport(endpoint, executor), executor);
  };

  // Balancer: picks a node per call among the endpoints the resolver reports. It sits below the
  // deadline so that time spent waiting for the first resolution counts against the call.
  auto balanced = std::make_unique<BalancedService>(discovery::makeResolver(uri, executor),
                                                    balancer::makeBalancer(config.balancer),
                                                    std::move(make_pool), executor, uri.text);

  // Top: the deadline owns the caller's handler, so every layer below may be cancelled by it and
  // the caller hears back exactly once.
  return resilience::deadlineFilter(std::move(balanced), executor);
}

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
// The load-balanced service: keeps one Node per endpoint the resolver reports, and sends each
// call to the node the balancer picks, steering a call's later attempts (retries, backups) away
// from endpoints it already tried when another is live. Calls that arrive before the first
// resolution wait for it. It also runs outlier ejection, which compares each node with the rest.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>

#include "core/waiters.h"
#include "endpoint_node.h"
#include "panic_mode.h"
#include "scales/balancer/balancer.h"
#include "scales/client/stack.h"
#include "scales/discovery/resolver.h"
#include "scales/metrics/client_status.h"
#include "scales/resilience/outlier_detector.h"

namespace scales::client {

class BalancedService final : public RpcService {
 public:
  using NodeFactory = std::function<std::shared_ptr<EndpointNode>(const discovery::Endpoint&)>;

  BalancedService(std::unique_ptr<discovery::Resolver> resolver,
                  std::unique_ptr<balancer::Balancer> balancer, NodeFactory nodes,
                  boost::asio::any_io_executor executor, std::string uri_text,
                  const resilience::OutlierOptions& outliers = {},
                  std::shared_ptr<const ClientMetrics> metrics = nullptr,
                  std::shared_ptr<PanicMode> panic = nullptr);
  ~BalancedService() override;

  void call(Request&& request, Handler&& handler) override;
  void close() override;

  // Completes `done` with an empty string once any endpoint has an open connection, or at the
  // deadline with why none has. Meanwhile it asks every endpoint's pool to connect (again every
  // 250 ms for those neither connected nor connecting).
  void awaitReady(Deadline deadline, std::function<void(std::string)> done);

  // Fills in the endpoints, the resolver's state, the balancer's counts and the client's
  // latency (the endpoints' histograms added up), for the admin page.
  void describe(metrics::ClientStatus& status) const;

 private:
  void onUpdate(const discovery::ResolverUpdate& update);
  void route(Request&& request, Handler&& handler);
  EndpointNode* pick(const Request& request);
  void sweepOutliers();
  void reportBalancer();
  struct ReadyWait;
  void pollReady(const std::shared_ptr<ReadyWait>& wait);
  void finishWait(ReadyWait& wait, std::string why);
  std::string whyNotReady() const;

  std::unique_ptr<discovery::Resolver> resolver_;
  std::unique_ptr<balancer::Balancer> balancer_;
  NodeFactory make_node_;
  boost::asio::any_io_executor executor_;
  std::string uri_text_;
  std::map<discovery::Endpoint, std::shared_ptr<EndpointNode>> nodes_;
  Waiters pending_;  // calls waiting for the first resolution
  bool resolved_ = false;
  bool closed_ = false;
  std::string last_error_;
  std::string empty_detail_;  // the resolver's word on why the current set is empty
  uint64_t updates_ = 0;      // for the admin page: how many, and when
  metrics::WallTime last_update_{}, last_good_update_{};
  resilience::OutlierDetector outliers_;
  boost::asio::steady_timer outlier_timer_;
  std::shared_ptr<const ClientMetrics> metrics_;
  std::shared_ptr<PanicMode> panic_;  // null: off
  uint32_t routed_ = 0;
  std::vector<std::weak_ptr<ReadyWait>> ready_waits_;  // completed by close()
};

}  // namespace scales::client

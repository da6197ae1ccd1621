// SPDX-License-Identifier: Apache-2.0
// PanicMode: Envoy's panic threshold for one client. While fewer than `threshold` of the
// endpoints are healthy (no gate keeps them out), every endpoint that only a judgement keeps out
// (a health check, outlier ejection, failure accrual counting failed calls) is made available to
// the balancer again, so calls spread over all of them: when health checks or accrual are wrong
// everywhere, the servers that still answer keep answering. An open circuit breaker and an
// endpoint that refused a connection stay out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scales/client/client_metrics.h"
#include "scales/core/deadline.h"

namespace scales::client {

class EndpointNode;

class PanicMode {
 public:
  // `threshold` 0 never panics.
  PanicMode(double threshold, std::string client, std::shared_ptr<const ClientMetrics> metrics);

  bool active() const { return active_; }

  // The balancer's node set changed (before any node dropped from it may be destroyed).
  void setNodes(std::vector<EndpointNode*> nodes);
  // A node's health changed.
  void healthChanged();

 private:
  void evaluate();

  double threshold_;
  std::string client_;
  std::shared_ptr<const ClientMetrics> metrics_;
  std::vector<EndpointNode*> nodes_;
  bool active_ = false;
  Clock::time_point last_logged_{};
};

}  // namespace scales::client

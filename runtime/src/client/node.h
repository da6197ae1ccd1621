// SPDX-License-Identifier: Apache-2.0
// NodeService: one endpoint of the client stack. It runs calls through the endpoint's concurrency
// limit and pool, and reports each call's start, finish and latency, and the endpoint's
// availability, to the balancer through its Node half. Availability is failure accrual's verdict:
// dead for a backoff after repeated failures (at once when unreachable), then on probation.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "scales/balancer/node.h"
#include "scales/pool/pool.h"
#include "scales/resilience/failure_accrual.h"

namespace scales::client {

class NodeService final : public balancer::Node,
                          public RpcService,
                          public std::enable_shared_from_this<NodeService> {
 public:
  // `service` is the pool, possibly behind a concurrency limit; `pool` is that same pool, read
  // for connection counts.
  NodeService(discovery::Endpoint endpoint, Duration ewma_decay,
              std::unique_ptr<RpcService> service, const pool::Pool* pool,
              const resilience::FailureAccrualOptions& accrual,
              boost::asio::any_io_executor executor);

  size_t connections() const override { return pool_->size(); }

  void call(Request request, Handler handler) override;
  void close() override;

  const resilience::FailureAccrual& accrual() const { return accrual_; }
  // Why the node was last marked dead (for errors when every node is dead).
  const std::string& lastFailure() const { return last_failure_; }

 private:
  void finished(const std::exception_ptr& error, Clock::time_point started, Deadline deadline);
  void markedDead(const std::exception_ptr& error);

  std::unique_ptr<RpcService> service_;
  const pool::Pool* pool_;
  resilience::FailureAccrual accrual_;
  boost::asio::steady_timer revive_timer_;
  std::string last_failure_;
};

}  // namespace scales::client

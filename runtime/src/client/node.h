// SPDX-License-Identifier: Apache-2.0
// A Node is one endpoint as the balancer sees it: its pool, its load and its availability.
#pragma once

#include <memory>

#include "scales/balancer/balancer.h"
#include "scales/pool/pool.h"

namespace scales::client {

class NodeService final : public balancer::Node, public RpcService {
 public:
  NodeService(discovery::Endpoint endpoint, std::unique_ptr<pool::Pool> pool);

  const discovery::Endpoint& endpoint() const override { return endpoint_; }
  int outstanding() const override { return *outstanding_; }
  bool available() const override { return *available_; }

  void call(Request request, Handler handler) override;
  void close() override { pool_->close(); }

 private:
  discovery::Endpoint endpoint_;
  std::unique_ptr<pool::Pool> pool_;
  // Shared with in-flight completions, which may outlive a node removed by discovery.
  std::shared_ptr<int> outstanding_ = std::make_shared<int>(0);
  std::shared_ptr<bool> available_ = std::make_shared<bool>(true);
};

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
#include "balanced_service.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/completion.h"
#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

BalancedService::BalancedService(std::unique_ptr<discovery::Resolver> resolver,
                                 std::unique_ptr<balancer::Balancer> balancer, NodeFactory nodes,
                                 asio::any_io_executor executor, std::string uri_text)
    : resolver_(std::move(resolver)),
      balancer_(std::move(balancer)),
      make_node_(std::move(nodes)),
      executor_(std::move(executor)),
      uri_text_(std::move(uri_text)) {
  resolver_->start([this](const discovery::ResolverUpdate& update) { onUpdate(update); });
}

BalancedService::~BalancedService() { close(); }

void BalancedService::close() {
  if (closed_) return;
  closed_ = true;
  resolver_->stop();
  pending_.failAll(std::make_exception_ptr(UnavailableError("client closed")), executor_);
  for (auto& [endpoint, node] : nodes_) {
    node->watch(nullptr);
    node->close();
  }
}

void BalancedService::onUpdate(const discovery::ResolverUpdate& update) {
  if (closed_) return;
  if (!update.error.empty()) {
    last_error_ = update.error;  // keep the last good set
  } else {
    std::map<discovery::Endpoint, std::shared_ptr<NodeService>> next;
    std::vector<balancer::Node*> view;  // in the resolver's order (ordered failover needs it)
    for (const auto& endpoint : update.endpoints) {
      if (next.count(endpoint)) continue;
      auto it = nodes_.find(endpoint);
      std::shared_ptr<NodeService> node;
      if (it != nodes_.end()) {
        node = std::move(it->second);
        nodes_.erase(it);
      } else {
        node = make_node_(endpoint);
        node->watch(balancer_.get());
      }
      view.push_back(node.get());
      next.emplace(endpoint, std::move(node));
    }
    // Removed endpoints: their pools fail queued calls; calls on the wire finish on their own,
    // and no longer report to the balancer.
    for (auto& [endpoint, node] : nodes_) {
      node->watch(nullptr);
      node->close();
    }
    nodes_ = std::move(next);
    balancer_->update(view);
    last_error_.clear();
  }
  resolved_ = true;
  while (!pending_.empty()) {
    auto p = pending_.pop();
    route(std::move(p.request), std::move(p.handler));
  }
}

void BalancedService::call(Request request, Handler handler) {
  if (closed_) {
    completePost(executor_, std::move(handler),
                 std::make_exception_ptr(UnavailableError("client closed")), Response{});
    return;
  }
  if (!resolved_) {
    pending_.push(std::move(request), std::move(handler), "cancelled while resolving " + uri_text_);
    return;
  }
  route(std::move(request), std::move(handler));
}

void BalancedService::route(Request request, Handler handler) {
  balancer::PickContext context;
  if (request.hash_key) context = {*request.hash_key, true};
  auto* node = static_cast<NodeService*>(balancer_->picker().pick(context));
  if (node == nullptr) {
    std::string why = "no endpoints for " + uri_text_;
    if (!last_error_.empty()) why += ": " + last_error_;
    completePost(executor_, std::move(handler), std::make_exception_ptr(UnavailableError(why)),
                 Response{});
    return;
  }
  if (!node->available()) {
    // The balancer only hands out a dead node when every node is dead: fail fast rather than
    // pile calls onto endpoints known to fail; accrual's probes bring nodes back.
    completePost(executor_, std::move(handler),
                 std::make_exception_ptr(UnavailableError(
                     "every endpoint of " + uri_text_ + " is marked dead; last failure at " +
                     node->endpoint().address() + ": " + node->lastFailure())),
                 Response{});
    return;
  }
  node->call(std::move(request), std::move(handler));
}

}  // namespace scales::client

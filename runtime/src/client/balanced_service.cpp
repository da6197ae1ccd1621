// SPDX-License-Identifier: Apache-2.0
#include "balanced_service.h"

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>

#include "core/completion.h"
#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

BalancedService::BalancedService(std::unique_ptr<discovery::Resolver> resolver,
                                 std::unique_ptr<balancer::Balancer> balancer, NodeFactory nodes,
                                 asio::any_io_executor executor, std::string uri_text,
                                 const resilience::OutlierOptions& outliers,
                                 std::shared_ptr<const ClientMetrics> metrics,
                                 std::shared_ptr<PanicMode> panic)
    : resolver_(std::move(resolver)),
      balancer_(std::move(balancer)),
      make_node_(std::move(nodes)),
      executor_(executor),
      uri_text_(std::move(uri_text)),
      outliers_(outliers),
      outlier_timer_(executor),
      metrics_(std::move(metrics)),
      panic_(std::move(panic)) {
  resolver_->start([this](const discovery::ResolverUpdate& update) { onUpdate(update); });
  if (outliers.interval > Duration::zero()) sweepOutliers();
}

void BalancedService::sweepOutliers() {
  if (closed_) return;
  // Endpoints whose outlier gate was replaced by a user's layer take no part.
  std::vector<OutlierGate*> gates;
  std::vector<resilience::OutlierSample> samples;
  for (auto& [endpoint, node] : nodes_) {
    if (auto* gate = node->outlierGate()) {
      gates.push_back(gate);
      samples.push_back(gate->takeSample());
    }
  }
  for (size_t i : outliers_.judge(samples)) {
    int times = gates[i]->timesEjected() + 1;
    gates[i]->eject(outliers_.ejectionFor(times), times);
  }
  outlier_timer_.expires_after(outliers_.options().interval);
  outlier_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweepOutliers();
  });
}

BalancedService::~BalancedService() { close(); }

void BalancedService::close() {
  if (closed_) return;
  closed_ = true;
  resolver_->stop();
  outlier_timer_.cancel();
  pending_.failAll(std::make_exception_ptr(UnavailableError("client closed")), executor_);
  if (panic_) panic_->setNodes({});
  // Readiness waits end now: their timers would outlive the stack.
  for (auto& weak : ready_waits_) {
    if (auto wait = weak.lock()) finishWait(*wait, std::string(kClientClosed));
  }
  ready_waits_.clear();
  for (auto& [endpoint, node] : nodes_) {
    node->watch(nullptr);
    node->close();
  }
}

void BalancedService::onUpdate(const discovery::ResolverUpdate& update) {
  if (closed_) return;
  ++updates_;
  last_update_ = std::chrono::system_clock::now();
  if (update.error.empty()) last_good_update_ = last_update_;
  if (!update.error.empty()) {
    last_error_ = update.error;  // keep the last good set
  } else {
    std::map<discovery::Endpoint, std::shared_ptr<EndpointNode>> next;
    std::vector<balancer::Node*> view;  // in the resolver's order (ordered failover needs it)
    for (const auto& endpoint : update.endpoints) {
      if (next.count(endpoint)) continue;
      auto it = nodes_.find(endpoint);
      std::shared_ptr<EndpointNode> node;
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
    nodes_ = std::move(next);  // dropped nodes may go now: nothing reads the old set until...
    balancer_->update(view);
    if (panic_) {  // ...the panic mode counts the new one
      std::vector<EndpointNode*> members;
      for (auto& [endpoint, node] : nodes_) members.push_back(node.get());
      panic_->setNodes(std::move(members));
    }
    last_error_.clear();
    empty_detail_ = update.detail;
    reportBalancer();
  }
  resolved_ = true;
  while (!pending_.empty()) {
    auto p = pending_.pop();
    route(std::move(p.request), std::move(p.handler));
  }
}

struct BalancedService::ReadyWait {
  explicit ReadyWait(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::steady_timer timer;
  Deadline deadline;
  std::function<void(std::string)> done;  // null once called
  Clock::time_point last_kick{};
};

void BalancedService::finishWait(ReadyWait& wait, std::string why) {
  if (!wait.done) return;
  auto done = std::move(wait.done);
  wait.done = nullptr;
  wait.timer.cancel();
  done(std::move(why));
}

void BalancedService::awaitReady(Deadline deadline, std::function<void(std::string)> done) {
  auto wait = std::make_shared<ReadyWait>(executor_);
  wait->deadline = deadline;
  wait->done = std::move(done);
  if (closed_) return finishWait(*wait, std::string(kClientClosed));
  std::erase_if(ready_waits_, [](const auto& weak) { return weak.expired(); });
  ready_waits_.push_back(wait);
  pollReady(wait);
}

// Readiness is a state of many pools, none of which reports it: a wait checks every few
// milliseconds, which costs nothing unless someone waits.
void BalancedService::pollReady(const std::shared_ptr<ReadyWait>& wait) {
  if (!wait->done) return;
  for (auto& [endpoint, node] : nodes_) {
    if (node->pool() && node->pool()->connected()) return finishWait(*wait, "");
  }
  auto now = Clock::now();
  if (wait->deadline.expired()) return finishWait(*wait, whyNotReady());
  if (now - wait->last_kick >= std::chrono::milliseconds(250)) {
    wait->last_kick = now;
    for (auto& [endpoint, node] : nodes_) {
      auto* pool = node->pool();
      if (pool && !pool->connecting()) pool->preconnect();
    }
  }
  wait->timer.expires_after(std::chrono::milliseconds(5));
  // close() cancels the timer (and ends the wait) before the service goes.
  wait->timer.async_wait([this, wait](boost::system::error_code ec) {
    if (!ec && wait->done) pollReady(wait);
  });
}

std::string BalancedService::whyNotReady() const {
  std::string why = "no endpoint of " + uri_text_ + " connected in time: ";
  if (!resolved_) return why + "still resolving" + (last_error_.empty() ? "" : ", " + last_error_);
  if (nodes_.empty()) {
    return why + "no endpoints" +
           (!last_error_.empty() ? ", " + last_error_
                                 : (!empty_detail_.empty() ? ", " + empty_detail_ : ""));
  }
  std::string each;
  for (const auto& [endpoint, node] : nodes_) {
    const auto* pool = node->pool();
    std::string error = pool ? pool->lastConnectError() : "";
    each +=
        (each.empty() ? "" : "; ") + node->address() + ": " +
        (!error.empty() ? error : (pool && pool->connecting() ? "connecting" : "not connected"));
  }
  return why + each;
}

void BalancedService::call(Request&& request, Handler&& handler) {
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

EndpointNode* BalancedService::pick(const Request& request) {
  balancer::PickContext context;
  if (request.hash_key) context = {*request.hash_key, true};
  auto& picker = balancer_->picker();
  auto* node = static_cast<EndpointNode*>(picker.pick(context));
  if (node == nullptr || !request.trace || request.trace->empty()) return node;
  // A later attempt of the call: prefer a live endpoint it has not tried. A few more picks find
  // one under every randomised or rotating policy; a policy that always answers the same (ring
  // hash) keeps its answer.
  auto tried = [&request](const EndpointNode* candidate) {
    return request.trace->tried(candidate->address());
  };
  for (int effort = 0; effort < 4 && tried(node); ++effort) {
    auto* other = static_cast<EndpointNode*>(picker.pick(context));
    if (other != nullptr && other->available()) node = other;
  }
  return node;
}

// The balancer's gauges, refreshed on updates and every 256 calls (health changes in between
// show up within that many calls, at no per-call cost).
void BalancedService::reportBalancer() {
  if (!metrics_) return;
  auto stats = balancer_->stats();
  metrics_->balancer_size->set(static_cast<int64_t>(stats.size));
  metrics_->balancer_live->set(static_cast<int64_t>(stats.live));
  metrics_->balancer_aperture->set(static_cast<int64_t>(stats.aperture));
  metrics_->balancer_warming->set(static_cast<int64_t>(stats.warming));
}

void BalancedService::route(Request&& request, Handler&& handler) {
  if ((++routed_ & 255) == 0) reportBalancer();
  auto* node = pick(request);
  if (node == nullptr) {
    std::string why = "no endpoints for " + uri_text_;
    if (!last_error_.empty()) {
      why += ": " + last_error_;
    } else if (!empty_detail_.empty()) {
      why += ": " + empty_detail_;
    }
    completePost(executor_, std::move(handler), std::make_exception_ptr(UnavailableError(why)),
                 Response{});
    return;
  }
  if (!node->available()) {
    // The balancer only hands out a dead node when every node is dead (and panic mode is off, or
    // every breaker open): fail fast rather than pile calls onto endpoints known to fail;
    // accrual's probes bring nodes back.
    completePost(executor_, std::move(handler),
                 std::make_exception_ptr(UnavailableError(
                     "every endpoint of " + uri_text_ + " is marked dead; last failure at " +
                     node->endpoint().address() + ": " + node->lastFailure())),
                 Response{});
    return;
  }
  node->call(std::move(request), std::move(handler));
}

void BalancedService::describe(metrics::ClientStatus& status) const {
  auto& resolver = status.resolver;
  resolver.endpoints = nodes_.size();
  resolver.updates = updates_;
  resolver.last_update = last_update_;
  resolver.last_good_update = last_good_update_;
  resolver.last_error = last_error_;
  resolver.detail = empty_detail_;
  if (closed_) {
    resolver.state = "closed";
  } else if (!last_error_.empty()) {
    resolver.state = "error";
  } else if (!resolved_) {
    resolver.state = "resolving";
  } else {
    resolver.state = nodes_.empty() ? "empty" : "ok";
  }
  auto stats = balancer_->stats();
  status.live = stats.live;
  status.aperture = stats.aperture;
  status.warming = stats.warming;
  status.panic = panic_ && panic_->active();
  auto now = Clock::now();
  status.endpoints_total = nodes_.size();
  status.endpoints.reserve(std::min(nodes_.size(), metrics::ClientStatus::kMaxEndpoints));
  for (const auto& [endpoint, node] : nodes_) {
    auto state = node->stateName();
    auto counted = status.endpoint_states.find(state);
    if (counted == status.endpoint_states.end()) {
      counted = status.endpoint_states.emplace(std::string(state), 0).first;
    }
    ++counted->second;
    if (status.endpoints.size() < metrics::ClientStatus::kMaxEndpoints) {
      status.endpoints.push_back(node->describe(now));
      status.latency.merge(status.endpoints.back().latency);
    } else {
      node->addLatencyTo(status.latency);
    }
  }
}

}  // namespace scales::client

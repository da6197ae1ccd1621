// SPDX-License-Identifier: Apache-2.0
#include "endpoint_node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "endpoint/watcher.h"
#include "panic_mode.h"

namespace scales::client {
namespace asio = boost::asio;

EndpointNode::EndpointNode(discovery::Endpoint endpoint, Duration ewma_decay,
                           const std::shared_ptr<const ClientMetrics>& metrics)
    : Node(std::move(endpoint), ewma_decay),
      address_(this->endpoint().address()),
      metrics_(metrics ? metrics->endpoint(address_) : nullptr) {}

void EndpointNode::setLayers(std::unique_ptr<RpcService> top) {
  top_ = std::move(top);
  watchers_ = dynamic_cast<endpoint::WatcherRun*>(top_.get());
}

void EndpointNode::call(Request&& request, Handler&& handler) {
  // The call holds the node, which holds the pool and so the connection that holds the call:
  // only the call's completion ends that cycle, so a closing client waits for it (an attempt its
  // caller stopped waiting for included) before it stops the loop.
  if (in_flight_) in_flight_->enter();
  if (watchers_) return watchers_->call(std::move(request), std::move(handler), shared_from_this());
  auto slot = asio::get_associated_cancellation_slot(handler);
  top_->call(
      std::move(request),
      asio::bind_cancellation_slot(slot, [self = shared_from_this(), handler = std::move(handler)](
                                             std::exception_ptr error, Response response) mutable {
        self->callEnded();
        handler(error, std::move(response));
      }));
}

void EndpointNode::close() { top_->close(); }

void EndpointNode::takeOut(std::string_view gate, std::string why, bool panic_may_override) {
  auto it = out_.find(gate);
  if (it != out_.end() && !it->second.probe && it->second.why == why) {
    // Still out for the same reason (a health check failing again): it has been out since the
    // first time, which is what the page's "last error ... ago" should say.
    if (it->second.panic_may_override == panic_may_override) return;
    it->second.panic_may_override = panic_may_override;
    return refresh();
  }
  last_failure_ = why;
  last_failure_at_ = std::chrono::system_clock::now();
  Out out{std::move(why), panic_may_override};
  if (it == out_.end()) {
    out_.emplace(std::string(gate), std::move(out));
  } else {
    it->second = std::move(out);
  }
  refresh();
}

void EndpointNode::holdForProbe(std::string_view gate) {
  // Panic mode does not override it: the gate would refuse a second call anyway.
  Out hold{"its trial call is in flight", false, true};
  auto it = out_.find(gate);
  if (it == out_.end()) {
    out_.emplace(std::string(gate), std::move(hold));
  } else {
    it->second = std::move(hold);
  }
  refresh();
}

void EndpointNode::putBack(std::string_view gate) {
  auto it = out_.find(gate);
  if (it == out_.end()) return;
  out_.erase(it);
  refresh();
}

void EndpointNode::refresh() {
  if (healthy() != was_healthy_) {
    was_healthy_ = healthy();
    if (panic_) panic_->healthChanged();  // may reconsider every node, this one too
  }
  reconsider();
}

void EndpointNode::reconsider() {
  bool available = healthy();
  if (!available && panic_ && panic_->active()) {
    available = true;
    for (const auto& [gate, out] : out_) available = available && out.panic_may_override;
  }
  if (available == this->available()) return;
  setAvailable(available);
  if (metrics_) {
    metrics_->state_changes->add();
    metrics_->available->set(available ? 1 : 0);
  }
}

void EndpointNode::setProbation(std::string_view gate, bool on) {
  auto it = probation_.find(gate);
  if (on && it == probation_.end()) probation_.emplace(gate);
  if (!on && it != probation_.end()) probation_.erase(it);
}

void EndpointNode::addLatencyTo(metrics::HistogramSnapshot& sum) const {
  if (metrics_) sum.merge(metrics_->latency->snapshot());
}

namespace {
// The admin page's name for the state a gate leaves the endpoint in, most telling first: a
// refused connection or repeated failures (dead) say more than a breaker's count, and both more
// than a probe's or the peers' judgement.
constexpr std::pair<const char*, const char*> kStateOfGate[] = {
    {"failure_accrual", "dead"},
    {"circuit_breaker", "breaker open"},
    {"health_gate", "unhealthy"},
    {"outlier_gate", "ejected"},
};
}  // namespace

metrics::EndpointStatus EndpointNode::describe(Clock::time_point now) const {
  metrics::EndpointStatus status;
  status.address = address_;
  status.available = available();
  status.load = outstanding();
  status.ewma_ms = latencyNanos(now) / 1e6;
  status.connections = connections();
  status.weight = endpoint().weight;
  status.last_error = last_failure_;
  status.last_error_at = last_failure_at_;
  if (pool_) {
    status.connected = pool_->connected();
    status.connecting = pool_->connecting();
    status.pool_waiters = pool_->waiters();
    status.connect_error = pool_->lastConnectError();
  }
  if (metrics_) {
    status.requests = metrics_->requests->value();
    status.successes = metrics_->successes->value();
    for (const auto& [type, count] : metrics_->failures) status.failures += count->value();
    status.latency = metrics_->latency->snapshot();
  }
  for (const auto& [gate, out] : out_) status.reasons.push_back({gate, out.why});
  status.state = stateName();
  return status;
}

std::string_view EndpointNode::stateName() const {
  // Gates that hold it out only for their trial call are probation, not failures.
  bool failed = false;
  for (const auto& [gate, out] : out_) failed = failed || !out.probe;
  if (!failed) return out_.empty() && probation_.empty() ? "live" : "probation";
  for (const auto& [gate, state] : kStateOfGate) {
    auto it = out_.find(std::string_view(gate));
    if (it != out_.end() && !it->second.probe) return state;
  }
  for (const auto& [gate, out] : out_) {
    if (!out.probe) return gate;  // a gate of a later version: named as it is
  }
  return "probation";  // not reached: some gate failed it
}

}  // namespace scales::client

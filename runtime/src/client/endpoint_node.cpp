// SPDX-License-Identifier: Apache-2.0
#include "endpoint_node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "panic_mode.h"
#include "scales/core/call_memory.h"

namespace scales::client {
namespace asio = boost::asio;

EndpointNode::EndpointNode(discovery::Endpoint endpoint, Duration ewma_decay,
                           const std::shared_ptr<const ClientMetrics>& metrics)
    : Node(std::move(endpoint), ewma_decay),
      address_(this->endpoint().address()),
      metrics_(metrics ? metrics->endpoint(address_) : nullptr) {}

void EndpointNode::call(Request&& request, Handler&& handler) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  // The call holds the node, which holds the pool and so the connection that holds the call:
  // only the call's completion ends that cycle, so a closing client waits for it (an attempt its
  // caller stopped waiting for included) before it stops the loop.
  if (in_flight_) in_flight_->enter();
  top_->call(std::move(request),
             asio::bind_cancellation_slot(
                 slot, withCallMemory([self = shared_from_this(), handler = std::move(handler)](
                                          std::exception_ptr error, Response response) mutable {
                   if (self->in_flight_) self->in_flight_->leave();
                   handler(error, std::move(response));
                 })));
}

void EndpointNode::close() { top_->close(); }

void EndpointNode::takeOut(const std::string& gate, std::string why, bool panic_may_override) {
  last_failure_ = why;
  out_[gate] = Out{std::move(why), panic_may_override};
  refresh();
}

void EndpointNode::putBack(const std::string& gate) {
  if (out_.erase(gate) != 0) refresh();
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

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
#include "panic_mode.h"

#include "endpoint_node.h"
#include "scales/core/log.h"

namespace scales::client {
namespace {
// A set flapping around the threshold says so in the metrics every time, in the log at most
// this often.
constexpr Duration kLogInterval = std::chrono::seconds(10);
}  // namespace

PanicMode::PanicMode(double threshold, std::string client,
                     std::shared_ptr<const ClientMetrics> metrics)
    : threshold_(threshold), client_(std::move(client)), metrics_(std::move(metrics)) {}

void PanicMode::setNodes(std::vector<EndpointNode*> nodes) {
  nodes_ = std::move(nodes);
  evaluate();
}

void PanicMode::healthChanged() { evaluate(); }

void PanicMode::evaluate() {
  size_t healthy = 0;
  for (const auto* node : nodes_) healthy += node->healthy() ? 1 : 0;
  bool panic = !nodes_.empty() &&
               static_cast<double>(healthy) < threshold_ * static_cast<double>(nodes_.size());
  if (panic == active_) return;
  active_ = panic;
  if (metrics_) {
    metrics_->panic->set(panic ? 1 : 0);
    if (panic) metrics_->panics->add();
  }
  auto now = Clock::now();
  if (now - last_logged_ >= kLogInterval) {
    last_logged_ = now;
    logError("scales: client " + client_ + (panic ? " entered" : " left") +
             " panic mode: " + std::to_string(healthy) + " of " + std::to_string(nodes_.size()) +
             " endpoints healthy" +
             (panic ? ", calls spread over all endpoints whatever their health" : ""));
  }
  for (auto* node : nodes_) node->reconsider();
}

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
#include "scales/balancer/node.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scales/balancer/balancer.h"

namespace scales::balancer {
namespace {
// Finagle's PeakEwma penalty for a busy node with no latency history: above any real cost.
constexpr double kPenalty = static_cast<double>(std::numeric_limits<int64_t>::max() >> 16);

// exp(-x). Replies under load come microseconds apart against a decay of seconds, where three
// terms of the series are exact to 1e-10 and much cheaper than exp().
double decayWeight(double x) {
  if (x < 1e-3) return 1.0 - x + x * x / 2.0;
  return std::exp(-x);
}
}  // namespace

Node::Node(discovery::Endpoint endpoint, Duration ewma_decay)
    : endpoint_(std::move(endpoint)),
      decay_nanos_(
          std::max(1.0, static_cast<double>(std::chrono::nanoseconds(ewma_decay).count()))) {}

double Node::latencyNanos(Clock::time_point now) const {
  if (cost_ == 0) return 0;
  double idle = static_cast<double>(std::chrono::nanoseconds(now - stamp_).count());
  return idle <= 0 ? cost_ : cost_ * std::exp(-idle / decay_nanos_);
}

double Node::ewmaLoad(Clock::time_point now) const {
  double cost = latencyNanos(now);
  if (cost == 0 && outstanding_ > 0) return kPenalty + outstanding_;
  return cost * (outstanding_ + 1);
}

void Node::callStarted() {
  ++outstanding_;
  if (balancer_ != nullptr) balancer_->loadChanged(*this);
}

void Node::callFinished(Clock::time_point now, Duration latency) {
  --outstanding_;
  double rtt = static_cast<double>(std::chrono::nanoseconds(latency).count());
  if (rtt > cost_) {
    cost_ = rtt;  // peak-sensitive: a slower reply counts at once
  } else {
    double elapsed = std::max(0.0, static_cast<double>((now - stamp_).count()));
    double w = decayWeight(elapsed / decay_nanos_);
    cost_ = cost_ * w + rtt * (1.0 - w);
  }
  stamp_ = now;
  if (balancer_ != nullptr) balancer_->loadChanged(*this);
}

void Node::setAvailable(bool available) {
  if (available_ == available) return;
  available_ = available;
  if (balancer_ != nullptr) balancer_->nodeChanged(*this);
}

}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// `circuit_breaker`: a classic breaker per endpoint (off unless breaker.max_failures > 0). While
// open it keeps the endpoint out, and a call that reaches it anyway (every endpoint out) fails
// fast; half-open, exactly one probe call goes through.
#include <boost/asio/steady_timer.hpp>

#include "layers.h"
#include "scales/resilience/circuit_breaker.h"
#include "verdict.h"

namespace scales::client::endpoint {
namespace {
namespace asio = boost::asio;

constexpr const char* kName = "circuit_breaker";

class BreakerWatcher final : public Watcher {
 public:
  explicit BreakerWatcher(const Parts& parts)
      : node_(parts.node),
        breaker_(parts.config.breaker),
        timer_(parts.executor),
        shadow_refusals_(shadowCounter(parts, kName)) {}

  std::exception_ptr start(Request&, WatchedCall& call) override {
    call.admitted = breaker_.tryAcquire();
    if (!call.admitted) {
      if (!breaker_.options().shadow) {
        return std::make_exception_ptr(
            UnavailableError("circuit breaker open for " + node_.address()));
      }
      if (shadow_refusals_) shadow_refusals_->add();
    }
    sync();  // a half-open breaker's probe is out: no more calls until it ends
    return nullptr;
  }

  void finish(WatchedCall& call, const Outcome& outcome) override {
    // In shadow mode, only what the breaker let through decides its state.
    if (call.admitted) finished(outcome.error, outcome.reply, call.deadline);
  }

  void close() override { timer_.cancel(); }

 private:
  void finished(const std::exception_ptr& error, const Response& reply, Deadline deadline) {
    Verdict verdict = judge(error, reply, deadline);
    if (verdict == Verdict::kSuccess) {
      breaker_.recordSuccess();
      return sync();
    }
    if (verdict == Verdict::kIgnore) {
      if (breaker_.state() == resilience::CircuitBreaker::State::kHalfOpen) {
        breaker_.releaseProbe();
        sync();
      }
      return;
    }
    if (!breaker_.recordFailure()) return;
    why_ = "circuit breaker opened after " + messageOf(error, reply);
    sync();
    timer_.expires_at(breaker_.reopensAt());
    timer_.async_wait([this, life = std::weak_ptr<char>(life_)](boost::system::error_code ec) {
      if (ec || life.expired()) return;
      sync();  // half-open: the next call is the probe
    });
  }

  // What the node was last told of this gate: in; in on trial (open past its reset timeout, or
  // half-open, the next call is the probe); out while the probe is in flight (still probation
  // on the page); out.
  enum class Shown { kIn, kTrial, kProbe, kOut };

  // Tells the node what the breaker's state means for the endpoint. Called on every call, so it
  // reads the breaker and compares; only a change reaches the node.
  void sync() {
    using State = resilience::CircuitBreaker::State;
    Shown shown = Shown::kIn;
    if (!breaker_.options().shadow && breaker_.state() != State::kClosed) {
      if (breaker_.admitting()) {
        shown = Shown::kTrial;
      } else {
        shown = breaker_.state() == State::kHalfOpen ? Shown::kProbe : Shown::kOut;
      }
    }
    if (shown == shown_) return;
    shown_ = shown;
    node_.setProbation(kName, shown == Shown::kTrial || shown == Shown::kProbe);
    switch (shown) {
      case Shown::kIn:
      case Shown::kTrial:
        return node_.putBack(kName);
      case Shown::kProbe:
        return node_.holdForProbe(kName);  // no more calls until the probe ends
      case Shown::kOut:
        return node_.takeOut(kName, why_, false);  // it would refuse a call anyway
    }
  }

  EndpointNode& node_;
  resilience::CircuitBreaker breaker_;
  asio::steady_timer timer_;
  std::string why_ = "circuit breaker open";
  Shown shown_ = Shown::kIn;
  std::shared_ptr<metrics::Counter> shadow_refusals_;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // timers hold it weakly
};

}  // namespace

std::unique_ptr<Watcher> circuitBreaker(const Parts& parts) {
  if (parts.config.breaker.max_failures <= 0) return nullptr;
  return std::make_unique<BreakerWatcher>(parts);
}

}  // namespace scales::client::endpoint

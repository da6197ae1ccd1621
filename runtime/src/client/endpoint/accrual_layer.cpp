// SPDX-License-Identifier: Apache-2.0
// `failure_accrual`: judges the endpoint by its calls' results. Repeated failures (or one that
// says the endpoint is unreachable) take it out for a backoff; then it is on probation, and its
// next result decides.
#include <boost/asio/steady_timer.hpp>

#include "layers.h"
#include "scales/resilience/failure_accrual.h"
#include "verdict.h"

namespace scales::client::endpoint {
namespace {
namespace asio = boost::asio;

constexpr const char* kName = "failure_accrual";

class AccrualWatcher final : public Watcher {
 public:
  explicit AccrualWatcher(const Parts& parts)
      : node_(parts.node), accrual_(parts.config.failure_accrual), revive_timer_(parts.executor) {}

  std::exception_ptr start(Request&, WatchedCall&) override { return nullptr; }
  void finish(WatchedCall& call, const Outcome& outcome) override {
    finished(outcome.error, outcome.reply, call.deadline);
  }

  void close() override { revive_timer_.cancel(); }

 private:
  void finished(const std::exception_ptr& error, const Response& reply, Deadline deadline) {
    Verdict verdict = judge(error, reply, deadline);
    if (verdict == Verdict::kSuccess) {
      if (accrual_.state() == resilience::FailureAccrual::State::kDead) revive_timer_.cancel();
      accrual_.recordSuccess();
      // Most calls succeed on a live endpoint: then nothing changes, and the node is not told.
      show(Shown::kIn);
      return;
    }
    if (verdict == Verdict::kIgnore) return;
    if (!accrual_.recordFailure(verdict == Verdict::kUnreachable)) return;
    // Panic mode may send calls to an endpoint judged by its failures, not to one that refuses
    // connections: with every endpoint down, calls still fail fast.
    node_.setProbation(kName, false);
    node_.takeOut(kName, messageOf(error, reply), verdict != Verdict::kUnreachable);
    shown_ = Shown::kOut;
    revive_timer_.expires_after(accrual_.backoff());
    revive_timer_.async_wait(
        [this, life = std::weak_ptr<char>(life_)](boost::system::error_code ec) {
          if (ec || life.expired()) return;
          accrual_.startProbing();
          show(Shown::kProbation);  // back in: the next result decides
        });
  }

  // What the node was last told of this gate.
  enum class Shown { kIn, kProbation, kOut };

  // Back in (kIn or kProbation), telling the node only of a change.
  void show(Shown shown) {
    if (shown == shown_) return;
    shown_ = shown;
    node_.setProbation(kName, shown == Shown::kProbation);
    node_.putBack(kName);
  }

  EndpointNode& node_;
  resilience::FailureAccrual accrual_;
  asio::steady_timer revive_timer_;
  Shown shown_ = Shown::kIn;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // timers hold it weakly
};

}  // namespace

std::unique_ptr<Watcher> failureAccrual(const Parts& parts) {
  return std::make_unique<AccrualWatcher>(parts);
}

}  // namespace scales::client::endpoint

// SPDX-License-Identifier: Apache-2.0
// `outlier_gate`: counts each interval's calls, failures and latency for outlier ejection (off
// unless outliers.interval is set). The balanced service compares every endpoint's interval with
// its peers' and ejects the outliers through this gate, which keeps the endpoint out until the
// ejection ends.
#include <boost/asio/steady_timer.hpp>

#include "layers.h"
#include "verdict.h"

namespace scales::client::endpoint {
namespace {
namespace asio = boost::asio;

constexpr const char* kName = "outlier_gate";

class OutlierWatcher final : public Watcher, public OutlierGate {
 public:
  explicit OutlierWatcher(const Parts& parts) : node_(parts.node), timer_(parts.executor) {
    node_.setOutlierGate(this);
  }
  ~OutlierWatcher() override { node_.setOutlierGate(nullptr); }

  std::exception_ptr start(Request&, WatchedCall&) override { return nullptr; }
  void finish(WatchedCall& call, const Outcome& outcome) override {
    Verdict verdict = judge(outcome.error, outcome.reply, call.deadline);
    if (verdict == Verdict::kIgnore) return;
    ++interval_.requests;
    interval_latency_ += outcome.at - call.started;
    if (failed(verdict)) ++interval_.failures;
  }

  void close() override { timer_.cancel(); }

  resilience::OutlierSample takeSample() override {
    auto sample = interval_;
    if (sample.requests > 0) sample.mean_latency = interval_latency_ / sample.requests;
    sample.ejected = ejected_;
    interval_ = {};
    interval_latency_ = {};
    return sample;
  }

  void eject(Duration how_long, int times) override {
    ejected_ = true;
    times_ejected_ = times;
    node_.takeOut(kName, "ejected as an outlier");
    timer_.expires_after(how_long);
    timer_.async_wait([this, life = std::weak_ptr<char>(life_)](boost::system::error_code ec) {
      if (ec || life.expired()) return;
      ejected_ = false;
      node_.putBack(kName);
    });
  }

  int timesEjected() const override { return times_ejected_; }

 private:
  EndpointNode& node_;
  asio::steady_timer timer_;
  resilience::OutlierSample interval_;
  Duration interval_latency_{};
  bool ejected_ = false;
  int times_ejected_ = 0;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // timers hold it weakly
};

}  // namespace

std::unique_ptr<Watcher> outlierGate(const Parts& parts) {
  if (parts.config.outliers.interval <= Duration::zero()) return nullptr;
  return std::make_unique<OutlierWatcher>(parts);
}

}  // namespace scales::client::endpoint

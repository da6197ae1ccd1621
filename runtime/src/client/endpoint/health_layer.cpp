// SPDX-License-Identifier: Apache-2.0
// `health_gate`: active health checks of the endpoint (off unless health_check.probe is set).
// Calls pass straight through; the probes' verdict keeps the endpoint out or lets it back in.
#include "layers.h"
#include "scales/health/health_check.h"

namespace scales::client::endpoint {
namespace {

constexpr const char* kName = "health_gate";

class HealthWatcher final : public Watcher {
 public:
  explicit HealthWatcher(const Parts& parts) : node_(parts.node) {
    auto options = parts.config.health_check;
    options.tls = parts.config.tls;  // probes reach the endpoint as calls do
    checker_ = std::make_shared<health::HealthChecker>(
        node_.endpoint(), options, health::makeProbe(options.probe), parts.executor,
        [this, life = std::weak_ptr<char>(life_)](bool healthy, const std::string& why) {
          if (life.expired()) return;
          if (healthy) {
            node_.putBack(kName);
          } else {
            node_.takeOut(kName, why);
          }
        });
    checker_->start();
  }
  ~HealthWatcher() override { checker_->stop(); }

  // Calls pass by untouched: only the probes decide.
  std::exception_ptr start(Request&, WatchedCall&) override { return nullptr; }
  void finish(WatchedCall&, const Outcome&) override {}

  void close() override { checker_->stop(); }

 private:
  EndpointNode& node_;
  std::shared_ptr<char> life_ = std::make_shared<char>();  // the checker holds it weakly
  std::shared_ptr<health::HealthChecker> checker_;
};

}  // namespace

std::unique_ptr<Watcher> healthGate(const Parts& parts) {
  if (parts.config.health_check.probe.empty()) return nullptr;
  return std::make_unique<HealthWatcher>(parts);
}

}  // namespace scales::client::endpoint

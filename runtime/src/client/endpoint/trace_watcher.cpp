// SPDX-License-Identifier: Apache-2.0
// `endpoint_trace`: the top of an endpoint's layers. A sampled call's attempt gets a span of its
// own, covering every layer of the endpoint (queueing too), recorded when it ends.
#include "layers.h"

namespace scales::client::endpoint {
namespace {

class AttemptTraceWatcher final : public Watcher {
 public:
  explicit AttemptTraceWatcher(const std::string& endpoint)
      : endpoint_(std::make_shared<const std::string>(endpoint)) {}

  std::exception_ptr start(Request& request, WatchedCall& call) override {
    call.span = tracing::startAttemptSpan(request, endpoint_);
    return nullptr;
  }
  void finish(WatchedCall& call, const Outcome& outcome) override {
    if (call.span) tracing::finishAttemptSpan(*call.span, outcome.error);
  }

 private:
  std::shared_ptr<const std::string> endpoint_;  // shared by its spans
};

}  // namespace

std::unique_ptr<Watcher> attemptTrace(const Parts& parts) {
  return std::make_unique<AttemptTraceWatcher>(parts.node.address());
}

}  // namespace scales::client::endpoint

// SPDX-License-Identifier: Apache-2.0
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>

#include "../endpoint_node.h"
#include "scales/core/call_memory.h"
#include "watcher.h"

namespace scales::client::endpoint {
namespace asio = boost::asio;

// The one wrapper a call gets from the whole run: its record, and what ends it.
struct WatcherRun::Completion {
  WatcherRun* run;  // held through `node`, or by the layers above that the node holds
  std::shared_ptr<EndpointNode> node;
  WatchedCall call;
  Handler handler;
  size_t entered = 0;  // how many watchers, from the top, saw the call start

  void operator()(std::exception_ptr error, Response&& reply) {
    const Outcome outcome{Clock::now(), error, reply};
    for (size_t i = entered; i-- > 0;) run->watchers_[i]->finish(call, outcome);
    if (node) node->callEnded();
    handler(error, std::move(reply));
  }
};

WatcherRun::WatcherRun(std::unique_ptr<RpcService> next,
                       std::vector<std::unique_ptr<Watcher>> watchers,
                       asio::any_io_executor executor)
    : RpcFilter(std::move(next)), watchers_(std::move(watchers)), executor_(std::move(executor)) {}

void WatcherRun::call(Request&& request, Handler&& handler, std::shared_ptr<EndpointNode> node) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  Completion done{this, std::move(node), {}, std::move(handler)};
  done.call.started = Clock::now();
  done.call.deadline = request.deadline;
  for (; done.entered < watchers_.size(); ++done.entered) {
    std::exception_ptr refused;
    try {
      refused = watchers_[done.entered]->start(request, done.call);
    } catch (...) {
      // As a refusal: the watchers above have counted the call, and must see it end.
      refused = std::current_exception();
    }
    if (refused) {
      asio::post(executor_, withCallMemory([done = std::move(done), refused]() mutable {
                   std::move(done)(refused, Response{});
                 }));
      return;
    }
  }
  next().call(std::move(request), asio::bind_cancellation_slot(slot, std::move(done)));
}

void WatcherRun::close() {
  for (auto& watcher : watchers_) watcher->close();
  RpcFilter::close();
}

}  // namespace scales::client::endpoint

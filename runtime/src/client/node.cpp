// SPDX-License-Identifier: Apache-2.0
#include "node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

NodeService::NodeService(discovery::Endpoint endpoint, Duration ewma_decay,
                         std::unique_ptr<RpcService> service, const pool::Pool* pool)
    : Node(std::move(endpoint), ewma_decay), service_(std::move(service)), pool_(pool) {}

void NodeService::call(Request request, Handler handler) {
  callStarted();
  auto started = Clock::now();
  auto slot = asio::get_associated_cancellation_slot(handler);
  // The completion keeps the node alive: discovery may drop it while calls are still out.
  service_->call(std::move(request),
                 asio::bind_cancellation_slot(
                     slot, [self = shared_from_this(), started, handler = std::move(handler)](
                               std::exception_ptr error, Response response) mutable {
                       self->finished(error, started);
                       handler(error, std::move(response));
                     }));
}

void NodeService::finished(const std::exception_ptr& error, Clock::time_point started) {
  auto now = Clock::now();
  callFinished(now, now - started);
  // Only reaching the endpoint or failing to says anything about its availability.
  if (!error) {
    setAvailable(true);
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const ConnectionError&) {
    setAvailable(false);
  } catch (...) {
  }
}

}  // namespace scales::client

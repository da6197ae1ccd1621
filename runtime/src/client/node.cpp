// SPDX-License-Identifier: Apache-2.0
#include "node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

NodeService::NodeService(discovery::Endpoint endpoint, std::unique_ptr<pool::Pool> pool)
    : endpoint_(std::move(endpoint)), pool_(std::move(pool)) {}

void NodeService::call(Request request, Handler handler) {
  ++*outstanding_;
  auto slot = asio::get_associated_cancellation_slot(handler);
  pool_->call(
      std::move(request),
      asio::bind_cancellation_slot(
          slot, [outstanding = outstanding_, available = available_, handler = std::move(handler)](
                    std::exception_ptr error, Response response) mutable {
            --*outstanding;
            // Only a failure to reach the endpoint says anything about its availability;
            // the balancer reads the flag at pick time.
            if (error) {
              try {
                std::rethrow_exception(error);
              } catch (const ConnectionError&) {
                *available = false;
              } catch (...) {
              }
            } else {
              *available = true;
            }
            handler(error, std::move(response));
          }));
}

}  // namespace scales::client

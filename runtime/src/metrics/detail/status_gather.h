// SPDX-License-Identifier: Apache-2.0
// How the admin server collects every client's status without ever blocking its own thread or
// a client's: it asks each client in the directory, the answers come back from the clients'
// executors through an Inbox onto the admin loop, and a timer ends the wait for clients whose
// loops are busy.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/metrics/client_directory.h"

namespace scales::metrics::detail {

// A door onto the admin loop for other threads. Shut before the loop goes: answers arriving
// later are dropped instead of being posted to an event loop that no longer exists.
class Inbox {
 public:
  explicit Inbox(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void post(std::function<void()> work);
  void shut();
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  std::mutex mutex_;
  bool shut_ = false;
  boost::asio::any_io_executor executor_;
};

// Asks every client listed in `directory` for its status. Call it on the inbox's executor;
// `done` runs there, once, with the answers in listing order, when all have answered or at
// `timeout`: a client that has not answered by then appears with its id, name and `error`, and
// clients that closed meanwhile are left out.
void gatherStatuses(const ClientDirectory& directory, const std::shared_ptr<Inbox>& inbox,
                    Duration timeout, std::function<void(std::vector<ClientStatus>)> done);

}  // namespace scales::metrics::detail

// SPDX-License-Identifier: Apache-2.0
// Calls parked until something they need is ready (a connection, the first resolution). Each
// caller can still cancel: its cancellation slot removes it and completes it with CancelledError.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <list>
#include <string>

#include "scales/core/service.h"

namespace scales {

class Waiters {
 public:
  struct Entry {
    Request request;
    RpcService::Handler handler;
    Clock::time_point since;  // when it was parked
  };

  // `cancelled` is the CancelledError text for a caller who gives up while parked.
  void push(Request request, RpcService::Handler handler, std::string cancelled);
  // The oldest entry, detached from its cancellation slot. Requires !empty().
  Entry pop();
  // Completes every parked call with `error`, never inline (posted on `executor`).
  void failAll(const std::exception_ptr& error, const boost::asio::any_io_executor& executor);

  bool empty() const { return entries_.empty(); }
  // When the oldest entry was parked. Requires !empty().
  Clock::time_point oldestSince() const { return entries_.front().since; }
  size_t size() const { return entries_.size(); }

 private:
  std::list<Entry> entries_;
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
#include "core/waiters.h"

#include "core/completion.h"
#include "scales/core/errors.h"

namespace scales {
namespace asio = boost::asio;

namespace {
void detach(RpcService::Handler& handler) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) slot.clear();
}
}  // namespace

void Waiters::push(Request request, RpcService::Handler handler, std::string cancelled) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  entries_.push_back(Entry{std::move(request), std::move(handler), Clock::now()});
  if (slot.is_connected()) {
    auto it = std::prev(entries_.end());
    slot.assign([this, it, cancelled = std::move(cancelled)](asio::cancellation_type) {
      // Take everything out of this lambda first: detaching the slot destroys it.
      auto error = std::make_exception_ptr(CancelledError(cancelled));
      auto* self = this;
      RpcService::Handler h = std::move(it->handler);
      self->entries_.erase(it);
      detach(h);
      h(error, Response{});
    });
  }
}

Waiters::Entry Waiters::pop() {
  Entry entry = std::move(entries_.front());
  entries_.pop_front();
  detach(entry.handler);
  return entry;
}

void Waiters::failAll(const std::exception_ptr& error, const asio::any_io_executor& executor) {
  while (!empty()) {
    Entry entry = pop();
    completePost(executor, std::move(entry.handler), error, Response{});
  }
}

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "core/completion.h"
#include "deadline_queue.h"
#include "scales/core/call_memory.h"
#include "scales/core/errors.h"
#include "scales/resilience/timeout.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// What every call of one filter shares, and may need after the filter is gone (a call failed by
// the stack's close may complete later): one reference per call instead of three members.
struct Shared {
  asio::any_io_executor executor;
  std::shared_ptr<metrics::Counter> timeouts;  // null: not counted
  std::shared_ptr<CallsInFlight> in_flight;    // null: not counted
};

// Everything one call needs to finish exactly once, shared by the deadline queue, the caller's
// cancellation slot and the reply from below. Kept small: there is one per call in flight.
struct CallState final : DeadlineQueue::Entry, std::enable_shared_from_this<CallState> {
  CallState(const std::shared_ptr<const Shared>& s, RpcService::Handler&& h, const std::string& m,
            bool inline_ok)
      : shared(s), handler(std::move(h)), method(m), complete_inline(inline_ok) {
    if (shared->in_flight) shared->in_flight->enter();
  }
  std::shared_ptr<const Shared> shared;
  asio::cancellation_signal below;  // cancels the layers underneath
  RpcService::Handler handler;
  std::string method;    // for the error texts
  bool complete_inline;  // the handler has no executor of its own: call it right here
  bool done = false;
  CallTrace trace;  // the call's attempts (lent to the layers below), for the TimeoutError

  void finish(std::exception_ptr error, Response&& response) {
    if (done) return;
    done = true;
    leave();
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) slot.clear();
    if (shared->in_flight) shared->in_flight->leave();
    // The caller's handler resumes where it expects: on its associated executor (a strand, a
    // coroutine's context), or right here for handlers without one of their own (no extra hop
    // through the scheduler).
    if (complete_inline) {
      auto h = std::move(handler);
      return h(error, std::move(response));
    }
    completeDispatch(shared->executor, std::move(handler), error, std::move(response));
  }

  // Ends the call early with `error` and tells the layers below to let go.
  void abort(std::exception_ptr error) {
    if (done) return;
    finish(error, Response{});
    below.emit(asio::cancellation_type::terminal);
  }

 private:
  void expired() override {
    auto self = shared_from_this();  // finishing may drop the other references
    if (shared->timeouts) shared->timeouts->add();
    auto frozen = std::make_shared<CallTrace>(trace);
    frozen->endedBy("deadline");
    abort(TimeoutError(timeoutText(method)).withTrace(std::move(frozen)));
  }

 public:
  static std::string timeoutText(const std::string& method) {
    return "call to " + method + " missed its deadline";
  }
};

class DeadlineFilter final : public RpcFilter {
 public:
  DeadlineFilter(std::unique_ptr<RpcService> next, asio::any_io_executor executor,
                 std::shared_ptr<metrics::Counter> timeouts, Duration default_timeout,
                 std::shared_ptr<CallsInFlight> in_flight)
      : RpcFilter(std::move(next)),
        shared_(
            std::make_shared<Shared>(Shared{executor, std::move(timeouts), std::move(in_flight)})),
        default_timeout_(default_timeout),
        executor_(executor),
        completion_executor_(executor),
        deadlines_(std::make_shared<DeadlineQueue>(std::move(executor))) {}

  void call(Request&& request, Handler&& handler) override {
    // One clock read serves both the default deadline and the expiry check.
    auto now = Clock::now();
    if (request.deadline.isInfinite()) {
      if (default_timeout_ != Duration::max()) request.deadline = Deadline(now + default_timeout_);
    } else if (request.deadline.at() <= now) {
      completePost(executor_, std::move(handler),
                   std::make_exception_ptr(TimeoutError(CallState::timeoutText(request.method))),
                   Response{});
      return;
    }
    // Compared against an executor built once: building one per call would allocate. Most
    // handlers have none of their own, and need no comparison.
    bool inline_ok =
        !handler.hasOwnExecutor() ||
        asio::get_associated_executor(handler, completion_executor_) == completion_executor_;
    auto state = std::allocate_shared<CallState>(CallAllocator<CallState>(), shared_,
                                                 std::move(handler), request.method, inline_ok);
    // The trace lives in the call's state: no allocation of its own.
    if (!request.trace) request.trace = std::shared_ptr<CallTrace>(state, &state->trace);
    if (!request.deadline.isInfinite()) deadlines_->add(*state, request.deadline.at());
    auto caller_slot = asio::get_associated_cancellation_slot(state->handler);
    if (caller_slot.is_connected()) {
      caller_slot.assign([state](asio::cancellation_type) {
        state->abort(
            std::make_exception_ptr(CancelledError("call to " + state->method + " cancelled")));
      });
    }
    auto slot = state->below.slot();
    next().call(std::move(request), asio::bind_cancellation_slot(
                                        slot, [state = std::move(state)](std::exception_ptr error,
                                                                         Response&& response) {
                                          state->finish(error, std::move(response));
                                          // The layers below are done: drop whatever they left on
                                          // the slot (it may hold this state).
                                          state->below.slot().clear();
                                        }));
  }

 private:
  std::shared_ptr<const Shared> shared_;
  Duration default_timeout_;
  asio::any_io_executor executor_;
  asio::any_completion_executor completion_executor_;
  std::shared_ptr<DeadlineQueue> deadlines_;
};

}  // namespace

void CallsInFlight::leave() {
  if (--count != 0 || !idle) return;
  // A graceful close waits for this; it runs after the handler that left is under way.
  asio::post(executor, [idle = std::move(idle)] { idle(); });
  idle = nullptr;
}

std::unique_ptr<RpcService> deadlineFilter(std::unique_ptr<RpcService> next,
                                           asio::any_io_executor executor,
                                           std::shared_ptr<metrics::Counter> timeouts,
                                           Duration default_timeout,
                                           std::shared_ptr<CallsInFlight> in_flight) {
  return std::make_unique<DeadlineFilter>(std::move(next), std::move(executor), std::move(timeouts),
                                          default_timeout, std::move(in_flight));
}

}  // namespace scales::resilience

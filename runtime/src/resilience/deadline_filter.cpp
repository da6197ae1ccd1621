// SPDX-License-Identifier: Apache-2.0
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/steady_timer.hpp>

#include "scales/core/completion.h"
#include "scales/core/errors.h"
#include "scales/resilience/timeout.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// Everything one call needs to finish exactly once, shared by the timer, the caller's
// cancellation slot and the reply from below.
struct CallState {
  CallState(asio::any_io_executor ex, RpcService::Handler h) : timer(ex), handler(std::move(h)) {}
  asio::steady_timer timer;
  asio::cancellation_signal below;  // cancels the layers underneath
  RpcService::Handler handler;
  CallTrace trace;  // the call's attempts (lent to the layers below), for the TimeoutError
  bool done = false;

  void finish(std::exception_ptr error, Response response) {
    if (done) return;
    done = true;
    timer.cancel();
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) slot.clear();
    // The caller's handler resumes where it expects: on its associated executor (a strand, a
    // coroutine's context), or right here if that is the executor we are running on, which is
    // the case for handlers without one of their own (no extra hop through the scheduler).
    auto here = timer.get_executor();
    if (asio::get_associated_executor(handler, here) == asio::any_completion_executor(here)) {
      auto h = std::move(handler);
      return h(error, std::move(response));
    }
    completeDispatch(here, std::move(handler), error, std::move(response));
  }

  // Ends the call early with `error` and tells the layers below to let go.
  void abort(std::exception_ptr error) {
    if (done) return;
    finish(error, Response{});
    below.emit(asio::cancellation_type::terminal);
  }
};

class DeadlineFilter final : public RpcFilter {
 public:
  DeadlineFilter(std::unique_ptr<RpcService> next, asio::any_io_executor executor,
                 std::shared_ptr<metrics::Counter> timeouts)
      : RpcFilter(std::move(next)),
        executor_(std::move(executor)),
        timeouts_(std::move(timeouts)) {}

  void call(Request request, Handler handler) override {
    if (request.deadline.expired()) {
      completePost(executor_, std::move(handler),
                   std::make_exception_ptr(TimeoutError(timeoutText(request.method))), Response{});
      return;
    }
    auto state = std::allocate_shared<CallState>(asio::recycling_allocator<CallState>(), executor_,
                                                 std::move(handler));
    // The trace lives in the call's state: no allocation of its own.
    if (!request.trace) request.trace = std::shared_ptr<CallTrace>(state, &state->trace);
    if (!request.deadline.isInfinite()) {
      state->timer.expires_at(request.deadline.at());
      // The message is built only if the deadline fires: most calls never need it.
      state->timer.async_wait([state, timeouts = timeouts_.get(),
                               method = request.method](boost::system::error_code ec) {
        if (ec) return;
        if (timeouts) timeouts->add();
        auto trace = std::make_shared<CallTrace>(state->trace);
        trace->endedBy("deadline");
        state->abort(TimeoutError(timeoutText(method)).withTrace(std::move(trace)));
      });
    }
    auto caller_slot = asio::get_associated_cancellation_slot(state->handler);
    if (caller_slot.is_connected()) {
      caller_slot.assign([state, method = request.method](asio::cancellation_type) {
        state->abort(std::make_exception_ptr(CancelledError("call to " + method + " cancelled")));
      });
    }
    next().call(std::move(request),
                asio::bind_cancellation_slot(state->below.slot(),
                                             [state](std::exception_ptr error, Response response) {
                                               state->finish(error, std::move(response));
                                               // The layers below are done: drop whatever they
                                               // left on the slot (it may hold this state).
                                               state->below.slot().clear();
                                             }));
  }

 private:
  static std::string timeoutText(const std::string& method) {
    return "call to " + method + " missed its deadline";
  }

  asio::any_io_executor executor_;
  std::shared_ptr<metrics::Counter> timeouts_;
};

}  // namespace

std::unique_ptr<RpcService> deadlineFilter(std::unique_ptr<RpcService> next,
                                           asio::any_io_executor executor,
                                           std::shared_ptr<metrics::Counter> timeouts) {
  return std::make_unique<DeadlineFilter>(std::move(next), std::move(executor),
                                          std::move(timeouts));
}

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// A fake bottom of the stack for filter tests: each call takes the next step of a script (reply,
// fail with an error, or hold until cancelled), records its attempt in the call's trace as a node
// does, and answers on the io_context, never inline.
#pragma once

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>

#include "scales/core/errors.h"
#include "scales/core/service.h"

namespace scales::testing {

struct Step {
  std::exception_ptr error;  // null: reply with `payload`
  std::string payload = "ok";
  Duration delay = Duration::zero();  // answer after this long
  bool hold = false;                  // answer only when cancelled
  ReplyClass reply_class = {};        // what the bottom of the stack made of the reply
};

inline Step reply(std::string payload = "ok", Duration delay = Duration::zero()) {
  return Step{nullptr, std::move(payload), delay, false};
}
template <class E>
Step fail(std::string what) {
  return Step{std::make_exception_ptr(E(std::move(what))), "", Duration::zero(), false};
}
inline Step hold() { return Step{nullptr, "", Duration::zero(), true}; }
// A reply the stack classified as a retryable failure, to be retried no sooner than `after`.
inline Step retryableReply(std::string payload, Duration after = Duration::zero()) {
  ReplyClass verdict = ReplyClass::failed("busy", true);
  verdict.retry_after = after;
  return Step{nullptr, std::move(payload), Duration::zero(), false, verdict};
}

class ScriptedService : public RpcService {
 public:
  ScriptedService(boost::asio::io_context& io, std::deque<Step> script, Step otherwise)
      : io_(io), script_(std::move(script)), otherwise_(std::move(otherwise)) {}

  void call(Request&& request, Handler&& handler) override {
    Step step = otherwise_;
    if (!script_.empty()) {
      step = std::move(script_.front());
      script_.pop_front();
    }
    ++attempts;
    kinds.push_back(request.attempt_kind);
    auto started = Clock::now();
    auto trace = request.trace;
    size_t index =
        trace ? trace->start("fake:" + std::to_string(attempts), request.attempt_kind) : 0;
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    auto state = std::make_shared<std::optional<Handler>>(std::move(handler));
    auto answer = [this, state, trace, index, started, timer, verdict = step.reply_class](
                      std::exception_ptr error, std::string payload) {
      if (!*state) return;
      auto h = std::move(**state);
      state->reset();
      // As the contract asks of a layer that assigned to the slot (scales/core/service.h).
      boost::asio::get_associated_cancellation_slot(h).clear();
      timer->cancel();
      if (trace) trace->finish(index, error, Clock::now() - started);
      h(error, error ? Response{} : Response{std::move(payload), verdict});
    };
    auto slot = boost::asio::get_associated_cancellation_slot(**state);
    if (slot.is_connected()) {
      slot.assign([this, answer](boost::asio::cancellation_type) {
        ++cancelled;
        boost::asio::post(
            io_, [answer] { answer(std::make_exception_ptr(CancelledError("cancelled")), ""); });
      });
    }
    if (step.hold) return;
    timer->expires_after(step.delay);
    timer->async_wait([answer, step](boost::system::error_code ec) {
      if (!ec) answer(step.error, step.payload);
    });
  }

  void close() override {}

  int attempts = 0;
  int cancelled = 0;
  std::vector<AttemptKind> kinds;

 private:
  boost::asio::io_context& io_;
  std::deque<Step> script_;
  Step otherwise_;
};

}  // namespace scales::testing

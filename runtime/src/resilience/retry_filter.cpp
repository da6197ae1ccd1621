// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <random>

#include "scales/core/call_memory.h"
#include "scales/core/errors.h"
#include "scales/resilience/retry.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// What a failed attempt allows.
enum class Remedy {
  kNone,           // the failure is the answer
  kRequeue,        // no server saw the call: send it again, whatever the method
  kIfIdempotent,   // the server may have run it: only idempotent methods go again
  kRetryableReply  // the server declared it retryable
};

struct Verdict {
  Remedy remedy;
  const char* ended_by;  // the limit to name when the failure is the answer
};

Verdict judge(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const NackError&) {
    return {Remedy::kRequeue, ""};
  } catch (const ConnectFailedError&) {
    return {Remedy::kRequeue, ""};
  } catch (const UnavailableError&) {
    return {Remedy::kNone, "no live endpoint"};
  } catch (const RejectedError&) {
    return {Remedy::kNone, "a queue or concurrency limit"};
  } catch (const ConnectionError&) {
    return {Remedy::kIfIdempotent, "not idempotent"};
  } catch (const ProtocolError&) {
    return {Remedy::kIfIdempotent, "not idempotent"};
  } catch (const TimeoutError&) {
    return {Remedy::kIfIdempotent, "not idempotent"};
  } catch (...) {
    return {Remedy::kNone, ""};
  }
}

// One call and its attempts, shared by the attempt in flight, the timer and the caller's slot.
// The common call (no attempt timeout, no retry) needs neither a timer nor a signal of its own:
// attempts use the caller's cancellation slot directly.
struct RetryCall {
  RetryCall(Request&& r, RpcService::Handler&& h) : request(std::move(r)), handler(std::move(h)) {}

  Request request;  // kept for the next attempt; copies go down
  RpcService::Handler handler;
  // The attempt's timeout, or a retry's backoff, and with attempt timeouts the signal that
  // cancels the attempt. Allocated only then: held inline, they made every call's state (kept
  // while the call is in flight) about a quarter larger.
  struct Timed {
    explicit Timed(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::optional<asio::cancellation_signal> own;
  };
  std::unique_ptr<Timed> timed;
  asio::steady_timer& timer() { return timed->timer; }
  // The attempt's own signal: only with attempt timeouts.
  asio::cancellation_signal* own() { return timed && timed->own ? &*timed->own : nullptr; }
  int requeues = 0;
  int retries = 0;
  bool attempt_timed_out = false;
  bool backing_off = false;
  bool cancelled = false;  // by the caller (or the deadline above)
  bool done = false;
};

class RetryFilter final : public RpcFilter {
 public:
  RetryFilter(std::unique_ptr<RpcService> next, const RetryOptions& options,
              std::shared_ptr<RetryBudget> budget, std::shared_ptr<AttemptCounters> counters,
              std::shared_ptr<LatencyWindow> latencies, asio::any_io_executor executor)
      : RpcFilter(std::move(next)),
        options_(options),
        budget_(std::move(budget)),
        counters_(std::move(counters)),
        latencies_(std::move(latencies)),
        executor_(std::move(executor)),
        random_(std::random_device{}()) {}

  void call(Request&& request, Handler&& handler) override {
    budget_->deposit();
    counters_->calls->add();
    if (!request.trace) request.trace = std::make_shared<CallTrace>();
    auto call = std::allocate_shared<RetryCall>(CallAllocator<RetryCall>(), std::move(request),
                                                std::move(handler));
    if (options_.attempt_timeout > Duration::zero()) {
      call->timed = std::make_unique<RetryCall::Timed>(executor_);
      call->timed->own.emplace();
      listenToCaller(call);
    }
    send(call, AttemptKind::kFirst);
  }

 private:
  // The caller's cancellation reaches this filter (rather than the attempt directly) while the
  // filter owns the attempt's signal or waits in a backoff.
  static void listenToCaller(const std::shared_ptr<RetryCall>& call) {
    auto slot = asio::get_associated_cancellation_slot(call->handler);
    if (!slot.is_connected()) return;
    slot.assign([call](asio::cancellation_type type) {
      if (call->done) return;
      call->cancelled = true;
      if (call->backing_off) {
        call->timer().cancel();  // its handler finishes the call
      } else if (auto* own = call->own()) {
        own->emit(type);
      }
    });
  }

  void send(const std::shared_ptr<RetryCall>& call, AttemptKind kind) {
    Request attempt = call->request;
    attempt.attempt_kind = kind;
    attempt.retries = static_cast<uint32_t>(call->requeues + call->retries);
    call->attempt_timed_out = false;
    auto* own = call->own();
    if (own) {
      auto limit = Deadline::after(options_.attempt_timeout);
      attempt.deadline = Deadline::earliest(attempt.deadline, limit);
      call->timer().expires_at(limit.at());
      call->timer().async_wait([call](boost::system::error_code ec) {
        if (ec || call->done) return;
        call->attempt_timed_out = true;
        call->own()->emit(asio::cancellation_type::terminal);
      });
    }
    auto slot = own ? own->slot() : asio::get_associated_cancellation_slot(call->handler);
    // Whatever the previous attempt's layers left in the slot is theirs, not this attempt's.
    if (kind != AttemptKind::kFirst) slot.clear();
    next().call(std::move(attempt),
                asio::bind_cancellation_slot(
                    slot, [this, call](std::exception_ptr error, Response&& response) {
                      onAttempt(call, error, std::move(response));
                    }));
  }

  void onAttempt(const std::shared_ptr<RetryCall>& call, std::exception_ptr error,
                 Response&& response) {
    if (call->own()) call->timer().cancel();
    if (call->done) return;
    if (call->cancelled) return finish(call, error, std::move(response), "");
    Verdict verdict{Remedy::kNone, ""};
    Duration floor{};  // the least backoff the server asked for
    if (!error) {
      if (!response.reply_class.retryable) return finish(call, nullptr, std::move(response), "");
      verdict = {Remedy::kRetryableReply, ""};
      floor = response.reply_class.retry_after;
    } else if (call->attempt_timed_out) {
      error = std::make_exception_ptr(
          TimeoutError("attempt at " + call->request.method + " timed out after " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          options_.attempt_timeout)
                                          .count()) +
                       "ms"));
      verdict = {Remedy::kIfIdempotent, "not idempotent"};
    } else {
      verdict = judge(error);
    }
    const char* ended_by = verdict.ended_by;
    switch (verdict.remedy) {
      case Remedy::kNone:
        break;
      case Remedy::kRequeue:
        ended_by = tryRequeue(call);
        break;
      case Remedy::kIfIdempotent:
        if (idempotent(call->request)) ended_by = tryRetry(call, floor);
        break;
      case Remedy::kRetryableReply:
        ended_by = tryRetry(call, floor);
        break;
    }
    if (ended_by == nullptr) return;  // sent again
    finish(call, error, std::move(response), ended_by);
  }

  bool idempotent(const Request& request) const {
    return request.policy ? request.policy->idempotent : options_.idempotent;
  }

  // Each returns null when the call went again, or the limit that stopped it.
  const char* tryRequeue(const std::shared_ptr<RetryCall>& call) {
    if (call->requeues >= options_.max_requeues) return "max requeues";
    if (call->request.deadline.expired()) return "deadline";
    if (!withdraw()) return "retry budget";
    ++call->requeues;
    counters_->requeues->add();
    send(call, AttemptKind::kRequeue);
    return nullptr;
  }

  const char* tryRetry(const std::shared_ptr<RetryCall>& call, Duration floor) {
    if (call->retries >= options_.max_retries) return "max retries";
    if (!options_.retry_within_retry && call->request.inbound_retries > 0) {
      counters_->retries_declined_under_retry->add();
      return "inbound call is a retry";
    }
    // A server asking for a longer wait than any backoff may last gets its wish: no retry.
    if (floor > options_.backoff_max) return "the server's Retry-After";
    Duration backoff = std::max(backoffBefore(call->retries), floor);
    if (!call->request.deadline.isInfinite()) {
      Duration typical = latencies_->percentile(50).value_or(Duration::zero());
      if (call->request.deadline.remaining() <= backoff + typical) return "deadline";
    }
    if (!withdraw()) return "retry budget";
    ++call->retries;
    counters_->retries->add();
    if (backoff <= Duration::zero()) {
      send(call, AttemptKind::kRetry);
      return nullptr;
    }
    call->backing_off = true;
    if (!call->timed) call->timed = std::make_unique<RetryCall::Timed>(executor_);
    if (!call->own()) listenToCaller(call);  // the slot is the attempt's no more
    call->timer().expires_after(backoff);
    call->timer().async_wait([this, call](boost::system::error_code) {
      call->backing_off = false;
      if (call->done) return;
      if (call->cancelled) {
        return finish(call,
                      std::make_exception_ptr(CancelledError("call to " + call->request.method +
                                                             " cancelled in backoff")),
                      Response{}, "");
      }
      send(call, AttemptKind::kRetry);
    });
    return nullptr;
  }

  bool withdraw() {
    if (budget_->tryWithdraw()) return true;
    counters_->budget_exhausted->add();
    return false;
  }

  Duration backoffBefore(int retry) {
    if (options_.backoff_initial <= Duration::zero()) return Duration::zero();
    Duration base = options_.backoff_max;
    if (retry < 30 && options_.backoff_initial * (int64_t{1} << retry) < options_.backoff_max) {
      base = options_.backoff_initial * (int64_t{1} << retry);
    }
    auto half = base.count() / 2;
    std::uniform_int_distribution<Duration::rep> jitter(0, base.count() - half);
    return Duration(half + jitter(random_));
  }

  void finish(const std::shared_ptr<RetryCall>& call, std::exception_ptr error, Response&& response,
              const char* ended_by) {
    call->done = true;
    auto slot = asio::get_associated_cancellation_slot(call->handler);
    if (slot.is_connected()) slot.clear();
    if (error) error = withTrace(error, *call->request.trace, ended_by);
    auto handler = std::move(call->handler);
    handler(error, std::move(response));
  }

  static std::exception_ptr withTrace(const std::exception_ptr& error, const CallTrace& trace,
                                      const char* ended_by) {
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      auto frozen = std::make_shared<CallTrace>(trace);
      if (*ended_by != '\0') frozen->endedBy(ended_by);
      return e.withTrace(std::move(frozen));
    } catch (...) {
      return error;
    }
  }

  RetryOptions options_;
  std::shared_ptr<RetryBudget> budget_;
  std::shared_ptr<AttemptCounters> counters_;
  std::shared_ptr<LatencyWindow> latencies_;
  asio::any_io_executor executor_;
  std::minstd_rand random_;
};

}  // namespace

std::unique_ptr<RpcService> retryFilter(std::unique_ptr<RpcService> next,
                                        const RetryOptions& options,
                                        std::shared_ptr<RetryBudget> budget,
                                        std::shared_ptr<AttemptCounters> counters,
                                        std::shared_ptr<LatencyWindow> latencies,
                                        asio::any_io_executor executor) {
  return std::make_unique<RetryFilter>(std::move(next), options, std::move(budget),
                                       std::move(counters), std::move(latencies),
                                       std::move(executor));
}

}  // namespace scales::resilience

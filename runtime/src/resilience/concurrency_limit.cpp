// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/concurrency_limit.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <optional>

#include "core/completion.h"
#include "core/waiters.h"
#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// Shared with in-flight completions, which release their slot even after the filter is gone.
struct Limiter : std::enable_shared_from_this<Limiter> {
  Limiter(std::unique_ptr<RpcService> below, const ConcurrencyLimitOptions& limits,
          std::string endpoint, asio::any_io_executor ex, ConcurrencyLimitMetrics counts)
      : next(std::move(below)),
        options(limits),
        label(std::move(endpoint)),
        executor(std::move(ex)),
        metrics(std::move(counts)) {
    if (options.adaptive.enabled) adaptive.emplace(options.adaptive);
    if (metrics.limit) metrics.limit->set(static_cast<int64_t>(limit()));
  }

  size_t limit() const { return adaptive ? adaptive->limit() : options.max_concurrency; }

  void call(Request request, RpcService::Handler handler) {
    if (options.shadow) {
      if (in_flight >= limit() + options.max_queue && metrics.shadow_refusals) {
        metrics.shadow_refusals->add();
      }
      return dispatch(std::move(request), std::move(handler));
    }
    if (in_flight < limit()) return dispatch(std::move(request), std::move(handler));
    if (queue.size() < options.max_queue) {
      queue.push(std::move(request), std::move(handler),
                 "cancelled while queued for a concurrency slot on " + label);
      return;
    }
    completePost(
        executor, std::move(handler),
        std::make_exception_ptr(RejectedError(
            "maximum concurrency reached: " + std::to_string(in_flight) + " calls in flight to " +
            label + " (" + (adaptive ? "adaptive limit " : "max_concurrency ") +
            std::to_string(limit()) + ", max_queue " + std::to_string(options.max_queue) + ")")),
        Response{});
  }

  void dispatch(Request request, RpcService::Handler handler) {
    size_t before = in_flight++;
    auto slot = asio::get_associated_cancellation_slot(handler);
    // The adaptive limit learns from each call's round trip.
    auto started = adaptive ? Clock::now() : Clock::time_point{};
    Deadline deadline = request.deadline;
    next->call(std::move(request),
               asio::bind_cancellation_slot(
                   slot, [self = shared_from_this(), handler = std::move(handler), started, before,
                          deadline](std::exception_ptr error, Response response) mutable {
                     --self->in_flight;
                     if (self->adaptive)
                       self->learn(error, Clock::now() - started, before, deadline);
                     // The freed slot goes to the oldest queued call before this one's caller
                     // runs (and perhaps calls again), so the queue stays first come first served.
                     self->dispatchQueued();
                     handler(error, std::move(response));
                   }));
  }

  void dispatchQueued() {
    while (!queue.empty() && !closed && in_flight < limit()) {
      auto next_call = queue.pop();
      dispatch(std::move(next_call.request), std::move(next_call.handler));
    }
  }

  // A reply's round trip is a sample; so is a timeout's (the server was that slow at least).
  // Connection failures and the caller's own cancellations say nothing about queueing.
  void learn(const std::exception_ptr& error, Duration took, size_t before, Deadline deadline) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const TimeoutError&) {
      } catch (const CancelledError&) {
        if (!deadline.expired()) return;
      } catch (...) {
        return;
      }
    }
    if (adaptive->sample(took, before + 1) && metrics.limit) {
      metrics.limit->set(static_cast<int64_t>(limit()));
    }
  }

  void close() {
    closed = true;
    queue.failAll(std::make_exception_ptr(UnavailableError("endpoint " + label + " closed")),
                  executor);
    next->close();
  }

  std::unique_ptr<RpcService> next;
  ConcurrencyLimitOptions options;
  std::string label;
  asio::any_io_executor executor;
  ConcurrencyLimitMetrics metrics;
  std::optional<Gradient2Limit> adaptive;
  Waiters queue;
  size_t in_flight = 0;
  bool closed = false;
};

class ConcurrencyLimitFilter final : public RpcService {
 public:
  explicit ConcurrencyLimitFilter(std::shared_ptr<Limiter> limiter)
      : limiter_(std::move(limiter)) {}
  ~ConcurrencyLimitFilter() override { limiter_->close(); }
  void call(Request&& request, Handler&& handler) override {
    limiter_->call(std::move(request), std::move(handler));
  }
  void close() override { limiter_->close(); }

 private:
  std::shared_ptr<Limiter> limiter_;
};

}  // namespace

std::unique_ptr<RpcService> concurrencyLimit(std::unique_ptr<RpcService> next,
                                             const ConcurrencyLimitOptions& options,
                                             std::string label, asio::any_io_executor executor,
                                             ConcurrencyLimitMetrics metrics) {
  // Unlimited: no layer at all.
  if (options.max_concurrency == 0 && !options.adaptive.enabled) return next;
  return std::make_unique<ConcurrencyLimitFilter>(std::make_shared<Limiter>(
      std::move(next), options, std::move(label), std::move(executor), std::move(metrics)));
}

}  // namespace scales::resilience

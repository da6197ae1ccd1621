// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/concurrency_limit.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "core/completion.h"
#include "core/waiters.h"
#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

// Shared with in-flight completions, which release their slot even after the filter is gone.
struct Limiter : std::enable_shared_from_this<Limiter> {
  Limiter(std::unique_ptr<RpcService> below, const ConcurrencyLimitOptions& limits,
          std::string endpoint, asio::any_io_executor ex)
      : next(std::move(below)),
        options(limits),
        label(std::move(endpoint)),
        executor(std::move(ex)) {}

  void call(Request request, RpcService::Handler handler) {
    if (in_flight < options.max_concurrency)
      return dispatch(std::move(request), std::move(handler));
    if (queue.size() < options.max_queue) {
      queue.push(std::move(request), std::move(handler),
                 "cancelled while queued for a concurrency slot on " + label);
      return;
    }
    completePost(
        executor, std::move(handler),
        std::make_exception_ptr(RejectedError(
            "maximum concurrency reached: " + std::to_string(in_flight) + " calls in flight to " +
            label + " (max_concurrency " + std::to_string(options.max_concurrency) +
            ", max_queue " + std::to_string(options.max_queue) + ")")),
        Response{});
  }

  void dispatch(Request request, RpcService::Handler handler) {
    ++in_flight;
    auto slot = asio::get_associated_cancellation_slot(handler);
    next->call(std::move(request),
               asio::bind_cancellation_slot(
                   slot, [self = shared_from_this(), handler = std::move(handler)](
                             std::exception_ptr error, Response response) mutable {
                     --self->in_flight;
                     // The freed slot goes to the oldest queued call before this one's caller
                     // runs (and perhaps calls again), so the queue stays first come first served.
                     if (!self->queue.empty() && !self->closed) {
                       auto next_call = self->queue.pop();
                       self->dispatch(std::move(next_call.request), std::move(next_call.handler));
                     }
                     handler(error, std::move(response));
                   }));
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
                                             std::string label, asio::any_io_executor executor) {
  if (options.max_concurrency == 0) return next;  // unlimited: no layer at all
  return std::make_unique<ConcurrencyLimitFilter>(
      std::make_shared<Limiter>(std::move(next), options, std::move(label), std::move(executor)));
}

}  // namespace scales::resilience

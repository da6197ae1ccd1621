// SPDX-License-Identifier: Apache-2.0
#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/errors.h"
#include "scales/resilience/requeue.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

bool neverReachedAServer(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const NackError&) {
    return true;
  } catch (const ConnectFailedError&) {
    return true;
  } catch (...) {
    return false;
  }
}

class RequeueFilter final : public RpcFilter {
 public:
  RequeueFilter(std::unique_ptr<RpcService> next, const RequeueOptions& options,
                std::shared_ptr<RetryBudget> budget)
      : RpcFilter(std::move(next)), options_(options), budget_(std::move(budget)) {}

  void call(Request request, Handler handler) override {
    budget_->deposit();
    attempt(std::move(request), 0, std::move(handler));
  }

 private:
  void attempt(Request request, int requeues, Handler handler) {
    auto slot = asio::get_associated_cancellation_slot(handler);
    // The request is kept for a possible requeue; only its copy goes down.
    Request copy = request;
    next().call(
        std::move(copy),
        asio::bind_cancellation_slot(
            slot, [this, request = std::move(request), requeues, handler = std::move(handler)](
                      std::exception_ptr error, Response response) mutable {
              if (error && requeues < options_.max_requeues && !request.deadline.expired() &&
                  neverReachedAServer(error) && budget_->tryWithdraw()) {
                return attempt(std::move(request), requeues + 1, std::move(handler));
              }
              handler(error, std::move(response));
            }));
  }

  RequeueOptions options_;
  std::shared_ptr<RetryBudget> budget_;
};

}  // namespace

std::unique_ptr<RpcService> requeueFilter(std::unique_ptr<RpcService> next,
                                          const RequeueOptions& options,
                                          std::shared_ptr<RetryBudget> budget) {
  return std::make_unique<RequeueFilter>(std::move(next), options, std::move(budget));
}

}  // namespace scales::resilience

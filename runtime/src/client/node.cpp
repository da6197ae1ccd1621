// SPDX-License-Identifier: Apache-2.0
#include "node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

NodeService::NodeService(discovery::Endpoint endpoint, Duration ewma_decay,
                         std::unique_ptr<RpcService> service, const pool::Pool* pool,
                         const resilience::FailureAccrualOptions& accrual,
                         asio::any_io_executor executor)
    : Node(std::move(endpoint), ewma_decay),
      service_(std::move(service)),
      pool_(pool),
      accrual_(accrual),
      revive_timer_(std::move(executor)) {}

void NodeService::close() {
  revive_timer_.cancel();
  service_->close();
}

void NodeService::call(Request request, Handler handler) {
  callStarted();
  auto started = Clock::now();
  auto slot = asio::get_associated_cancellation_slot(handler);
  Deadline deadline = request.deadline;
  // The completion keeps the node alive: discovery may drop it while calls are still out.
  service_->call(
      std::move(request),
      asio::bind_cancellation_slot(
          slot, [self = shared_from_this(), started, deadline, handler = std::move(handler)](
                    std::exception_ptr error, Response response) mutable {
            self->finished(error, started, deadline);
            handler(error, std::move(response));
          }));
}

namespace {
enum class Verdict { kIgnore, kFailure, kUnreachable };

// What a call's error says about the endpoint. Refusals (a full queue, a NACK) and the caller's
// own cancellations say nothing; a call cancelled because its deadline passed timed out.
Verdict judge(const std::exception_ptr& error, Deadline deadline) {
  try {
    std::rethrow_exception(error);
  } catch (const ConnectFailedError&) {
    return Verdict::kUnreachable;
  } catch (const ConnectionError&) {
    return Verdict::kFailure;
  } catch (const ProtocolError&) {
    return Verdict::kFailure;
  } catch (const TimeoutError&) {
    return Verdict::kFailure;
  } catch (const CancelledError&) {
    return deadline.expired() ? Verdict::kFailure : Verdict::kIgnore;
  } catch (...) {
    return Verdict::kIgnore;
  }
}
}  // namespace

void NodeService::finished(const std::exception_ptr& error, Clock::time_point started,
                           Deadline deadline) {
  auto now = Clock::now();
  callFinished(now, now - started);
  if (!error) {
    accrual_.recordSuccess();
    if (!available()) {
      revive_timer_.cancel();
      setAvailable(true);
    }
    return;
  }
  Verdict verdict = judge(error, deadline);
  if (verdict == Verdict::kIgnore) return;
  if (accrual_.recordFailure(verdict == Verdict::kUnreachable)) markedDead(error);
}

void NodeService::markedDead(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    last_failure_ = e.what();
  }
  setAvailable(false);
  revive_timer_.expires_after(accrual_.backoff());
  revive_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->accrual_.startProbing();
    self->setAvailable(true);  // on probation: the next result decides
  });
}

}  // namespace scales::client

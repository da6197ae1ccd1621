// SPDX-License-Identifier: Apache-2.0
#include "node.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/call_memory.h"
#include "scales/core/completion.h"
#include "scales/core/errors.h"

namespace scales::client {
namespace asio = boost::asio;

NodeService::NodeService(discovery::Endpoint endpoint, const NodeOptions& options,
                         std::unique_ptr<RpcService> service, const pool::Pool* pool,
                         asio::any_io_executor executor)
    : Node(std::move(endpoint), options.ewma_decay),
      address_(this->endpoint().address()),
      service_(std::move(service)),
      pool_(pool),
      latencies_(options.latencies),
      accrual_(options.accrual),
      breaker_(options.breaker),
      health_options_(options.health),
      revive_timer_(executor),
      breaker_timer_(executor),
      eject_timer_(executor),
      metrics_(options.metrics ? options.metrics->endpoint(address_) : nullptr),
      executor_(executor) {}

void NodeService::start() {
  if (health_options_.probe.empty()) return;
  health_ = std::make_shared<health::HealthChecker>(
      endpoint(), health_options_, health::makeProbe(health_options_.probe), executor_,
      [weak = weak_from_this()](bool healthy, const std::string& why) {
        auto self = weak.lock();
        if (!self) return;
        self->healthy_ = healthy;
        if (!healthy) self->last_failure_ = why;
        self->refreshAvailability();
      });
  health_->start();
}

void NodeService::close() {
  revive_timer_.cancel();
  breaker_timer_.cancel();
  eject_timer_.cancel();
  if (health_) health_->stop();
  service_->close();
}

void NodeService::refreshAvailability() {
  bool available = accrual_.state() != resilience::FailureAccrual::State::kDead &&
                   breaker_.admitting() && healthy_ && !ejected_;
  if (available == this->available()) return;
  setAvailable(available);
  if (metrics_) {
    metrics_->state_changes->add();
    metrics_->available->set(available ? 1 : 0);
  }
}

void NodeService::call(Request&& request, Handler&& handler) {
  if (breaker_.enabled()) {
    if (!breaker_.tryAcquire()) {
      // Picked only when every node is out: an open breaker fails fast.
      completePost(
          executor_, std::move(handler),
          std::make_exception_ptr(UnavailableError("circuit breaker open for " + address_)),
          Response{});
      return;
    }
    refreshAvailability();  // a half-open breaker's probe is out: no more calls until it ends
  }
  callStarted();
  if (metrics_) {
    metrics_->requests->add();
    metrics_->pending->add(1);
  }
  auto started = Clock::now();
  auto slot = asio::get_associated_cancellation_slot(handler);
  Deadline deadline = request.deadline;
  auto trace = std::move(request.trace);
  size_t attempt = trace ? trace->start(address_, request.attempt_kind) : 0;
  // The completion keeps the node alive: discovery may drop it while calls are still out.
  service_->call(
      std::move(request),
      asio::bind_cancellation_slot(
          slot, withCallMemory([self = shared_from_this(), started, deadline,
                                trace = std::move(trace), attempt, handler = std::move(handler)](
                                   std::exception_ptr error, Response response) mutable {
            auto now = Clock::now();  // one clock read per call, shared
            if (trace) trace->finish(attempt, error, now - started);
            self->finished(error, now, now - started, deadline);
            handler(error, std::move(response));
          })));
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

void NodeService::finished(const std::exception_ptr& error, Clock::time_point now, Duration took,
                           Deadline deadline) {
  callFinished(now, took);
  if (metrics_) {
    metrics_->pending->add(-1);
    metrics_->connections->set(static_cast<int64_t>(pool_->size()));
    metrics_->pool_waiters->set(static_cast<int64_t>(pool_->waiters()));
    if (error) {
      metrics_->failed(errorTypeName(error));
    } else {
      metrics_->successes->add();
      metrics_->latency->record(took);
    }
  }
  Verdict verdict = error ? judge(error, deadline) : Verdict::kIgnore;
  if (!error || verdict != Verdict::kIgnore) {
    ++interval_.requests;
    interval_latency_ += took;
  }
  if (!error) {
    if (latencies_) latencies_->record(took, now);
    accrual_.recordSuccess();
    if (!available()) revive_timer_.cancel();
    breaker_.recordSuccess();
    refreshAvailability();
    return;
  }
  if (verdict == Verdict::kIgnore) {
    if (breaker_.state() == resilience::CircuitBreaker::State::kHalfOpen) {
      breaker_.releaseProbe();
      refreshAvailability();
    }
    return;
  }
  ++interval_.failures;
  if (breaker_.recordFailure()) breakerOpened(error);
  if (accrual_.recordFailure(verdict == Verdict::kUnreachable)) markedDead(error);
}

namespace {
std::string messageOf(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}
}  // namespace

void NodeService::markedDead(const std::exception_ptr& error) {
  last_failure_ = messageOf(error);
  refreshAvailability();
  revive_timer_.expires_after(accrual_.backoff());
  revive_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->accrual_.startProbing();
    self->refreshAvailability();  // on probation: the next result decides
  });
}

void NodeService::breakerOpened(const std::exception_ptr& error) {
  last_failure_ = "circuit breaker opened after " + messageOf(error);
  refreshAvailability();
  breaker_timer_.expires_at(breaker_.reopensAt());
  breaker_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->refreshAvailability();  // half-open: the next call is the probe
  });
}

resilience::OutlierSample NodeService::takeSample() {
  auto sample = interval_;
  if (sample.requests > 0) sample.mean_latency = interval_latency_ / sample.requests;
  sample.ejected = ejected_;
  interval_ = {};
  interval_latency_ = {};
  return sample;
}

void NodeService::eject(Duration how_long, int times) {
  ejected_ = true;
  times_ejected_ = times;
  last_failure_ = "ejected as an outlier";
  refreshAvailability();
  eject_timer_.expires_after(how_long);
  eject_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->ejected_ = false;
    self->refreshAvailability();
  });
}

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
#include "load/load_run.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <stdexcept>

namespace scales::call {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

double LoadResult::throughput() const {
  double seconds = std::chrono::duration<double>(elapsed).count();
  return seconds <= 0 ? 0 : static_cast<double>(calls) / seconds;
}

namespace {

// How often a waiting open loop looks at the stop flag; what "late" means.
constexpr auto kStopPoll = std::chrono::milliseconds(100);
constexpr auto kLate = std::chrono::milliseconds(1);

// Everything a run touches lives on the client's loop (single-threaded): no locks.
class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(const DynamicCall& call, const LoadOptions& options, LoadProgress* progress)
      : call_(call), options_(options), progress_(progress), timer_(call.client().executor()) {
    result_.options = options;
  }

  std::future<LoadResult> start() {
    asio::dispatch(call_.client().executor(), [self = shared_from_this()] {
      self->started_ = SteadyClock::now();
      self->ends_ = self->started_ +
                    std::chrono::duration_cast<SteadyClock::duration>(self->options_.duration);
      if (self->options_.rate > 0) return self->tick();
      for (size_t i = 0; i < self->options_.concurrency; ++i) self->sendNext(std::nullopt);
    });
    return done_.get_future();
  }

 private:
  bool stopped() const { return progress_ && progress_->stop.load(std::memory_order_relaxed); }
  bool mayStart() const {
    return !stopped() && (!options_.calls || started_calls_ < *options_.calls) &&
           SteadyClock::now() < ends_;
  }
  // When the open loop's call number n is due (from the rate as a double: no interval rounded
  // to a whole number of clock ticks, whose error would add up).
  SteadyClock::time_point dueAt(uint64_t n) const {
    return started_ + std::chrono::duration_cast<SteadyClock::duration>(
                          std::chrono::duration<double>(static_cast<double>(n) / options_.rate));
  }

  // Closed loop: a call, and another when it returns. Open loop: the call due at `due`.
  void sendNext(std::optional<SteadyClock::time_point> due) {
    if (!mayStart()) return maybeFinish();
    ++started_calls_;
    ++in_flight_;
    auto sent = SteadyClock::now();
    if (due && sent - *due >= kLate) ++result_.late;
    call_.start([self = shared_from_this(), from = due.value_or(sent),
                 open = due.has_value()](CallOutcome outcome) {
      --self->in_flight_;
      self->record(from, outcome);
      if (!open) return self->sendNext(std::nullopt);
      self->sendDue();
    });
  }

  void record(SteadyClock::time_point from, const CallOutcome& outcome) {
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - from);
    result_.latency.record(static_cast<uint64_t>(std::max<int64_t>(took.count(), 0)));
    ++result_.calls;
    if (outcome.kind == CallOutcome::Kind::kReturned) {
      ++result_.succeeded;
    } else {
      ++result_.errors[outcome.failureType()];
      if (progress_) progress_->failed.fetch_add(1, std::memory_order_relaxed);
    }
    if (!outcome.endpoint.empty()) ++result_.endpoints[outcome.endpoint];
    if (progress_) progress_->done.fetch_add(1, std::memory_order_relaxed);
  }

  // Open loop: sends every call that is due while a slot is free; the rest wait for a slot, each
  // still timed from when it was due.
  void sendDue() {
    auto now = SteadyClock::now();
    while (mayStart() && in_flight_ < options_.concurrency) {
      auto due = dueAt(started_calls_);
      if (due > now) break;
      sendNext(due);
    }
    if (!mayStart()) closeBacklog();
    maybeFinish();
  }

  void tick() {
    sendDue();
    if (!mayStart()) return;
    // Woken for the next call's due time, the end, or a look at the stop flag, whichever is
    // first; a completion freeing a slot sends what is due meanwhile.
    auto wake = std::min({dueAt(started_calls_), ends_, SteadyClock::now() + kStopPoll});
    timer_.expires_at(wake);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->tick();
    });
  }

  // The open loop's calls that came due before the run ended but found every slot taken: a
  // stalled service must show, not vanish. Each counts as an error timed from when it was due.
  void closeBacklog() {
    if (options_.rate <= 0 || backlog_closed_) return;
    backlog_closed_ = true;
    auto end = std::min(SteadyClock::now(), ends_);
    uint64_t limit = options_.calls.value_or(UINT64_MAX);
    for (uint64_t n = started_calls_; n < limit; ++n) {
      auto due = dueAt(n);
      if (due >= end) break;
      auto waited = std::chrono::duration_cast<std::chrono::microseconds>(end - due);
      result_.latency.record(static_cast<uint64_t>(waited.count()));
      ++result_.calls;
      ++result_.unsent;
      ++result_.errors["unsent (every slot of -c taken)"];
    }
  }

  void maybeFinish() {
    if (in_flight_ > 0 || finished_ || mayStart()) return;
    closeBacklog();
    finished_ = true;
    timer_.cancel();
    result_.elapsed = SteadyClock::now() - started_;
    done_.set_value(std::move(result_));
  }

  const DynamicCall& call_;
  LoadOptions options_;
  LoadProgress* progress_;
  asio::steady_timer timer_;
  std::promise<LoadResult> done_;
  LoadResult result_;
  SteadyClock::time_point started_, ends_;
  uint64_t started_calls_ = 0;
  size_t in_flight_ = 0;
  bool backlog_closed_ = false;
  bool finished_ = false;
};

}  // namespace

LoadResult runLoad(const DynamicCall& call, const LoadOptions& options, LoadProgress* progress) {
  if (options.rate != 0 && !(options.rate >= kMinRate && options.rate <= kMaxRate)) {
    throw std::invalid_argument("a rate from " + std::to_string(kMinRate) + " to " +
                                std::to_string(kMaxRate) + " calls per second");
  }
  if (!(options.duration > std::chrono::nanoseconds::zero() && options.duration <= kMaxDuration)) {
    throw std::invalid_argument("a duration up to a week");
  }
  if (options.concurrency == 0) throw std::invalid_argument("a concurrency of at least 1");
  call.client().checkMayBlock("load");
  auto run = std::make_shared<Run>(call, options, progress);
  return run->start().get();
}

}  // namespace scales::call

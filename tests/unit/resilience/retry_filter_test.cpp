// SPDX-License-Identifier: Apache-2.0
// The retry filter over a scripted service: what is requeued, what is retried and only when the
// policy allows, backoff, attempt timeouts, the budget's cap, the deadline's veto, and the trace
// that the final error carries.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "scales/core/errors.h"
#include "scales/resilience/retry.h"
#include "unit/resilience/scripted_service.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;
using testing::fail;
using testing::hold;
using testing::reply;
using testing::retryableReply;
using testing::ScriptedService;
using testing::Step;

struct Outcome {
  std::exception_ptr error;
  std::string payload;
  bool done = false;
  std::string what() const {
    if (!error) return "";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    }
  }
};

struct Harness {
  explicit Harness(std::deque<Step> script, RetryOptions options = {}, Step otherwise = reply(),
                   RetryBudgetOptions budget_options = {}) {
    auto below = std::make_unique<ScriptedService>(io, std::move(script), std::move(otherwise));
    service = below.get();
    budget = std::make_shared<RetryBudget>(budget_options);
    filter = retryFilter(std::move(below), options, budget, counters,
                         std::make_shared<LatencyWindow>(), io.get_executor());
  }

  Outcome call(Request request = {}) {
    Outcome outcome;
    filter->call(std::move(request), [&](std::exception_ptr e, Response r) {
      outcome = {e, std::move(r.payload), true};
    });
    io.run();
    io.restart();
    return outcome;
  }

  boost::asio::io_context io;
  ScriptedService* service = nullptr;
  std::shared_ptr<RetryBudget> budget;
  std::shared_ptr<AttemptCounters> counters = std::make_shared<AttemptCounters>();
  std::unique_ptr<RpcService> filter;
};

const MethodPolicy kIdempotent{true, std::nullopt, {}, {}};

Request idempotentCall() {
  Request r;
  r.method = "read";
  r.policy = &kIdempotent;
  return r;
}

TEST(RetryFilter, RequeuesCallsNoServerSawWhateverTheMethod) {
  Harness h({fail<ConnectFailedError>("refused"), fail<NackError>("nack"), reply("third")});
  auto outcome = h.call();
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.payload, "third");
  EXPECT_EQ(h.service->attempts, 3);
  EXPECT_EQ(h.service->kinds[1], AttemptKind::kRequeue);
  EXPECT_EQ(h.counters->requeues->value(), 2);
}

TEST(RetryFilter, RequeuesStopAtTheCapAndTheErrorNamesIt) {
  Harness h({}, {.max_requeues = 2}, fail<ConnectFailedError>("refused"));
  auto outcome = h.call();
  EXPECT_EQ(h.service->attempts, 3);
  EXPECT_THROW(std::rethrow_exception(outcome.error), ConnectFailedError);
  EXPECT_NE(outcome.what().find("3 attempts"), std::string::npos) << outcome.what();
  EXPECT_NE(outcome.what().find("ended by: max requeues"), std::string::npos) << outcome.what();
}

TEST(RetryFilter, ABrokenConnectionIsRetriedOnlyForIdempotentMethods) {
  Harness plain({fail<ConnectionError>("reset"), reply()}, {.backoff_initial = 0ms});
  auto outcome = plain.call();
  EXPECT_THROW(std::rethrow_exception(outcome.error), ConnectionError);
  EXPECT_EQ(plain.service->attempts, 1);
  EXPECT_NE(outcome.what().find("ended by: not idempotent"), std::string::npos);

  Harness idempotent({fail<ConnectionError>("reset"), reply("again")}, {.backoff_initial = 0ms});
  outcome = idempotent.call(idempotentCall());
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.payload, "again");
  EXPECT_EQ(idempotent.service->kinds[1], AttemptKind::kRetry);
  EXPECT_EQ(idempotent.counters->retries->value(), 1);
}

TEST(RetryFilter, TheClientDefaultMakesEveryMethodIdempotent) {
  Harness h({fail<ProtocolError>("garbage"), reply()},
            {.backoff_initial = 0ms, .idempotent = true});
  EXPECT_FALSE(h.call().error);
  EXPECT_EQ(h.service->attempts, 2);
}

TEST(RetryFilter, RetriesStopAtMaxRetries) {
  Harness h({}, {.max_retries = 2, .backoff_initial = 0ms}, fail<TimeoutError>("slow"));
  auto outcome = h.call(idempotentCall());
  EXPECT_EQ(h.service->attempts, 3);
  EXPECT_NE(outcome.what().find("ended by: max retries"), std::string::npos) << outcome.what();
}

TEST(RetryFilter, RefusalsAndUnavailabilityAreNeverRetried) {
  Harness rejected({fail<RejectedError>("queue full"), reply()}, {.backoff_initial = 0ms});
  EXPECT_THROW(std::rethrow_exception(rejected.call(idempotentCall()).error), RejectedError);
  EXPECT_EQ(rejected.service->attempts, 1);
  Harness unavailable({fail<UnavailableError>("all dead"), reply()}, {.backoff_initial = 0ms});
  auto outcome = unavailable.call(idempotentCall());
  EXPECT_THROW(std::rethrow_exception(outcome.error), UnavailableError);
  EXPECT_NE(outcome.what().find("ended by: no live endpoint"), std::string::npos);
}

TEST(RetryFilter, ARetryableReplyIsRetriedEvenForNonIdempotentMethodsAndReturnedWhenSpent) {
  Harness h({retryableReply("busy"), reply("done")}, {.backoff_initial = 0ms});
  auto outcome = h.call();
  EXPECT_EQ(outcome.payload, "done");
  EXPECT_EQ(h.service->attempts, 2);

  Harness spent({}, {.max_retries = 1, .backoff_initial = 0ms}, retryableReply("busy"));
  outcome = spent.call();
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.payload, "busy");  // the server's answer: the caller decodes its exception
  EXPECT_EQ(spent.service->attempts, 2);
}

TEST(RetryFilter, AReplysRetryAfterIsTheLeastBackoff) {
  Harness h({retryableReply("busy", 60ms), reply("done")}, {.backoff_initial = 0ms});
  auto started = Clock::now();
  EXPECT_EQ(h.call().payload, "done");
  EXPECT_GE(Clock::now() - started, 60ms);
  EXPECT_EQ(h.service->attempts, 2);

  // A wait the deadline cannot fit: no retry, the server's reply is the answer.
  Harness late({retryableReply("busy", 1s), reply("done")}, {.backoff_initial = 0ms});
  Request request;
  request.deadline = Deadline::after(300ms);
  auto outcome = late.call(request);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.payload, "busy");
  EXPECT_EQ(late.service->attempts, 1);
}

TEST(RetryFilter, BackoffSeparatesAttempts) {
  // Equal jitter: the first backoff is at least half of backoff_initial.
  Harness h({fail<ConnectionError>("reset"), reply()}, {.backoff_initial = 40ms});
  auto started = Clock::now();
  EXPECT_FALSE(h.call(idempotentCall()).error);
  EXPECT_GE(Clock::now() - started, 20ms);
}

TEST(RetryFilter, NoRetryWhenTheDeadlineCannotFitTheBackoff) {
  Harness h({fail<ConnectionError>("reset"), reply()}, {.backoff_initial = 1s});
  auto request = idempotentCall();
  request.deadline = Deadline::after(200ms);
  auto outcome = h.call(request);
  EXPECT_THROW(std::rethrow_exception(outcome.error), ConnectionError);
  EXPECT_EQ(h.service->attempts, 1);
  EXPECT_NE(outcome.what().find("ended by: deadline"), std::string::npos) << outcome.what();
}

TEST(RetryFilter, TheBudgetCapsExtraAttemptsAcrossCalls) {
  RetryBudgetOptions budget;
  budget.percent_can_retry = 0.1;
  budget.min_retries_per_second = 0;
  Harness h({}, {.max_requeues = 3}, fail<NackError>("busy"), budget);
  int refused = 0;
  for (int i = 0; i < 500; ++i) {
    auto outcome = h.call();
    if (outcome.what().find("ended by: retry budget") != std::string::npos) ++refused;
  }
  int extra = h.service->attempts - 500;
  EXPECT_LE(extra, 50);  // 10% of 500
  EXPECT_GE(extra, 45);  // and the budget was used, not wasted
  EXPECT_EQ(h.counters->requeues->value(), extra);
  EXPECT_GT(refused, 400);
  EXPECT_EQ(h.counters->budget_exhausted->value(), refused);
}

TEST(RetryFilter, AnAttemptTimeoutCancelsTheAttemptAndRetriesIdempotentCalls) {
  Harness h({hold(), reply("second")}, {.backoff_initial = 0ms, .attempt_timeout = 30ms});
  auto outcome = h.call(idempotentCall());
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.payload, "second");
  EXPECT_EQ(h.service->cancelled, 1);

  Harness plain({hold(), reply("second")}, {.backoff_initial = 0ms, .attempt_timeout = 30ms});
  outcome = plain.call();
  EXPECT_THROW(std::rethrow_exception(outcome.error), TimeoutError);
  EXPECT_NE(outcome.what().find("timed out after 30ms"), std::string::npos) << outcome.what();
}

TEST(RetryFilter, TheCallersCancellationEndsABackoff) {
  Harness h({fail<ConnectionError>("reset"), reply()}, {.backoff_initial = 10s});
  boost::asio::cancellation_signal cancel;
  Outcome outcome;
  h.filter->call(idempotentCall(), boost::asio::bind_cancellation_slot(
                                       cancel.slot(), [&](std::exception_ptr e, Response r) {
                                         outcome = {e, std::move(r.payload), true};
                                       }));
  // Run until the first attempt has failed and the backoff has begun, then cancel.
  while (h.io.poll() > 0) {
  }
  ASSERT_EQ(h.service->attempts, 1);
  auto started = Clock::now();
  cancel.emit(boost::asio::cancellation_type::terminal);
  h.io.run_for(2s);
  EXPECT_TRUE(outcome.done);
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_THROW(std::rethrow_exception(outcome.error), CancelledError);
  EXPECT_EQ(h.service->attempts, 1);
}

TEST(RetryFilter, TheTraceListsEveryAttempt) {
  Harness h({fail<ConnectFailedError>("refused")}, {.max_retries = 1, .backoff_initial = 0ms},
            fail<ConnectionError>("reset"));
  auto outcome = h.call(idempotentCall());
  std::string what = outcome.what();
  // "reset [3 attempts: fake:1 ConnectFailedError (refused) 0.0ms; requeue fake:2 ..."
  EXPECT_EQ(what.rfind("reset [3 attempts: fake:1 ConnectFailedError (refused)", 0), 0u) << what;
  EXPECT_NE(what.find("; requeue fake:2 ConnectionError (reset)"), std::string::npos) << what;
  EXPECT_NE(what.find("; retry fake:3 ConnectionError (reset)"), std::string::npos) << what;
  EXPECT_NE(what.find("ended by: max retries]"), std::string::npos) << what;
  try {
    std::rethrow_exception(outcome.error);
  } catch (const Error& e) {
    ASSERT_NE(e.trace(), nullptr);
    EXPECT_EQ(e.trace()->size(), 3u);
    EXPECT_STREQ(e.message(), "reset");
  }
}

}  // namespace
}  // namespace scales::resilience

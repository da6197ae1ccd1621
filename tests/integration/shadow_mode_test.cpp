// SPDX-License-Identifier: Apache-2.0
// Shadow mode against real servers on 127.0.0.1: the breaker, the concurrency limit and the retry
// budget count what they would have refused, and refuse nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "Flaky.scales.h"
#include "scales/metrics/export.h"
#include "support/fault_peer.h"
#include "support/flaky_handler.h"
#include "support/loopback_port.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

// The counter summed over every series of that name with label limit=`limit`.
int64_t shadowRefusals(metrics::Registry& registry, const std::string& limit) {
  int64_t sum = 0;
  for (const auto& c : registry.snapshot().counters) {
    if (c.key.name != "shadow_refusals") continue;
    for (const auto& [key, value] : c.key.labels) {
      if (key == "limit" && value == limit) sum += c.value;
    }
  }
  return sum;
}

TEST(ShadowMode, AShadowBreakerCountsTheCallsItWouldHaveRefusedAndLetsThemThrough) {
  FaultPeer hung(FaultPeer::Fault::kSilent);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make(
      "tcp://" + hung.address() +
          "?transport=framed&timeout_ms=60&accrual_failures=0&breaker_max_failures=2"
          "&breaker_reset_timeout_ms=60000&breaker_shadow=true",
      config);
  // Two timeouts open it; every later call would have failed fast. In shadow mode each one
  // reaches the server (and times out) instead.
  for (int i = 0; i < 8; ++i) EXPECT_THROW(client.read("k", 0), TimeoutError) << "call " << i;
  // A timed-out call's failure is recorded when its cancellation has gone through the
  // connection, so the third call may still find the breaker closed.
  EXPECT_GE(shadowRefusals(registry, "circuit_breaker"), 4);
  EXPECT_LE(shadowRefusals(registry, "circuit_breaker"), 6);
}

TEST(ShadowMode, AShadowConcurrencyLimitLetsEveryCallGoAndCountsThoseBeyondIt) {
  FlakyServer server("s");
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make(
      "tcp://" + server.address() + "?max_concurrency=2&concurrency_shadow=true", config);
  // Eight calls of 300 ms at once: the limit would have refused six (no queue).
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      if (client.read("k", 300) == "s") ++answered;
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(answered, 8);
  // Each call's start is counted against those in flight when it started; calls that began
  // after an earlier one finished would not have been refused.
  EXPECT_GE(shadowRefusals(registry, "concurrency_limit"), 1);
  EXPECT_LE(shadowRefusals(registry, "concurrency_limit"), 6);
}

TEST(ShadowMode, AShadowRetryBudgetGrantsWhatASpentBudgetWouldRefuse) {
  // Every backend refuses connections and revives within 1-2 ms, so calls keep requeueing and
  // only the budget (10% of requests, no floor) would stop them.
  std::string uri = "tcp://127.0.0.1:" + std::to_string(freeLoopbackPort()) +
                    ",127.0.0.1:" + std::to_string(freeLoopbackPort()) +
                    "?accrual_backoff_ms=1&accrual_backoff_max_ms=2&retry_percent=0.1"
                    "&retry_min_per_second=0&retry_budget_shadow=true";
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  config.name = "down";
  auto client = flaky::FlakyClient::make(uri, config);
  const int calls = 400;
  for (int i = 0; i < calls; ++i) {
    try {
      client.read("k", 0);
      ADD_FAILURE() << "a call succeeded with every backend down";
    } catch (const UnavailableError&) {
    } catch (const ConnectFailedError&) {
    }
  }
  auto service = metrics::aggregate(registry.snapshot());
  auto count = [&service](const std::string& name) {
    for (const auto& c : service.counters) {
      if (c.key.name == name) return c.value;
    }
    return int64_t{-1};
  };
  // Requeues the spent budget would have refused went anyway, each one counted; none was
  // refused.
  int64_t would_have_refused = shadowRefusals(registry, "retry_budget");
  EXPECT_GT(would_have_refused, 0);
  EXPECT_GE(count("requeues"), would_have_refused);
  EXPECT_EQ(count("budget_exhausted"), 0);
}

}  // namespace
}  // namespace scales::testing

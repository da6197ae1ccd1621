// SPDX-License-Identifier: Apache-2.0
// Adaptive concurrency against a real server on 127.0.0.1 whose capacity drops mid-run (16
// workers, then 2): with a static limit every call queues at the server and its latency grows
// eightfold; with the adaptive limit the client sheds the excess (RejectedError) and the calls
// it sends stay fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "Flaky.scales.h"
#include "scales/metrics/export.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

struct Run {
  Duration p99{};     // of the calls that succeeded in the last 1.5 s
  int succeeded = 0;  // in the last 1.5 s
  int refused = 0;    // over the whole run
  int64_t final_limit = -1;
};

// A light load first (4 callers, 30 calls each), then 32 callers in a closed loop for 0.5 s at
// full capacity, then 3 s after the drop to 2 workers; latencies are measured over the last 1.5 s.
Run drive(const std::string& query) {
  FlakyServer server("s");
  server.handler->workers = 16;
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make("tcp://" + server.address() + query, config);
  // The long-term round trip forms over the first 100 calls (10 windows of 10): at light load, as
  // in a client that has been in service a while. Formed instead by 32 callers starting at once
  // on a busy machine (connecting, threads starting), it came out several times the service time,
  // and the limit then settled at twice the server's capacity (seen once in CI, under ASan).
  std::vector<std::thread> light;
  for (int i = 0; i < 4; ++i) {
    light.emplace_back([&] {
      for (int j = 0; j < 30; ++j) client.read("k", 10);
    });
  }
  for (auto& t : light) t.join();
  std::mutex mutex;
  std::vector<Duration> late;
  std::atomic<int> refused{0};
  std::atomic<bool> stop{false};
  auto measure_from = Clock::now() + 2000ms;
  std::vector<std::thread> callers;
  for (int i = 0; i < 32; ++i) {
    callers.emplace_back([&] {
      while (!stop) {
        auto started = Clock::now();
        try {
          client.read("k", 10);
          if (started >= measure_from) {
            std::lock_guard lock(mutex);
            late.push_back(Clock::now() - started);
          }
        } catch (const RejectedError&) {
          ++refused;
          std::this_thread::sleep_for(2ms);  // a shed caller backs off (load shape, not a wait)
        }
      }
    });
  }
  std::this_thread::sleep_for(500ms);  // the run's length: load at full capacity
  server.handler->workers = 2;
  std::this_thread::sleep_for(3s);  // then at an eighth of it
  stop = true;
  for (auto& t : callers) t.join();
  Run run;
  run.refused = refused;
  run.succeeded = static_cast<int>(late.size());
  if (!late.empty()) {
    std::sort(late.begin(), late.end());
    run.p99 = late[late.size() * 99 / 100];
  }
  for (const auto& g : registry.snapshot().gauges) {
    if (g.key.name == "concurrency_limit") run.final_limit = g.value;
  }
  return run;
}

TEST(AdaptiveConcurrency, WhenTheBackendsCapacityDropsTheAdaptiveLimitKeepsP99Bounded) {
  auto fixed = drive("?max_concurrency=32");
  // Up to the same 32, from 32: what adapts is only the way down and back.
  auto adaptive =
      drive("?adaptive_concurrency=true&adaptive_initial_limit=32&adaptive_max_limit=32");
  auto ms = [](Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); };
  std::printf("static limit 32: p99 %lld ms, %d calls in the last 1.5 s, %d refused\n",
              static_cast<long long>(ms(fixed.p99).count()), fixed.succeeded, fixed.refused);
  std::printf("adaptive: p99 %lld ms, %d calls in the last 1.5 s, %d refused, limit %lld\n",
              static_cast<long long>(ms(adaptive.p99).count()), adaptive.succeeded,
              adaptive.refused, static_cast<long long>(adaptive.final_limit));
  ASSERT_GT(fixed.succeeded, 0);
  ASSERT_GT(adaptive.succeeded, 0);
  // 32 calls on 2 workers of 10 ms: about 160 ms each under the static limit.
  EXPECT_GT(fixed.p99, 120ms);
  EXPECT_EQ(fixed.refused, 0);
  // Measured 60 ms against 162 ms; the margin allows for a loaded machine (and ASan).
  EXPECT_LT(adaptive.p99 * 4, fixed.p99 * 3) << "the adaptive limit did not keep latency down";
  EXPECT_GT(adaptive.refused, 0) << "the excess was shed";
  EXPECT_LT(adaptive.final_limit, 16) << "the limit followed the capacity down";
  EXPECT_GE(adaptive.final_limit, 1);
}

}  // namespace
}  // namespace scales::testing

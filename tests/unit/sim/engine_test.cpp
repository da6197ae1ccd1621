// SPDX-License-Identifier: Apache-2.0
// scales-sim's engine on small scenarios (a few simulated seconds each): runs repeat exactly, and
// each kind of change does what a scenario file says: a leave stops a backend's new calls, a join
// starts them, more workers drain a queue, a rate change changes the load.
#include "sim/engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/scenario_file.h"

namespace scales::sim {
namespace {

Scenario small(const char* events) {
  return parseScenario(std::string(R"({"duration": 4, "clients": {"count": 2, "rate": 400},
      "backends": {"count": 2, "workers": 4, "latency_ms": 10}, "events": )") +
                       events + "}");
}

RunResult run(const Scenario& s, const char* policy = "round_robin") {
  return simulate(s, policy, runVariants(s).front(), {.bucket_s = 0.5, .percentile = 0.99});
}

TEST(SimEngine, RunsRepeatExactly) {
  Scenario s = small(R"([{"at": 1, "backend": 0, "latency_factor": 5}])");
  RunResult a = run(s, "p2c_ewma"), b = run(s, "p2c_ewma");
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.p99, b.p99);
  EXPECT_EQ(a.watched_share, b.watched_share);
  ASSERT_EQ(a.series.size(), 8u);  // 4 s in half-second buckets
  for (size_t i = 0; i < a.series.size(); ++i) EXPECT_EQ(a.series[i], b.series[i]) << i;
  s.seed = 2;
  EXPECT_NE(run(s, "p2c_ewma").p99, a.p99);
}

TEST(SimEngine, TheSeriesFollowsALatencyChange) {
  // Backend 0 is 10x slower from 2 s: round robin's p99 jumps in the second half only.
  RunResult r = run(small(R"([{"at": 2, "backend": 0, "latency_factor": 10}])"));
  for (size_t i = 0; i < 3; ++i) EXPECT_LT(r.series[i], 40) << i;
  for (size_t i = 5; i < 8; ++i) EXPECT_GT(r.series[i], 60) << i;
}

TEST(SimEngine, ALeavingBackendGetsNoNewCalls) {
  RunResult r = run(small(R"([{"at": 2, "backend": 1, "leave": true}])"));
  // Half the calls of the first half of the run, none after.
  EXPECT_NEAR(r.watched_share, 0.25, 0.03);
  EXPECT_EQ(r.refused, 0u);
}

TEST(SimEngine, AJoiningBackendGetsCallsFromThen) {
  RunResult r = run(parseScenario(R"({"duration": 4, "clients": {"count": 2, "rate": 400},
      "backends": [{"workers": 4, "latency_ms": 10},
                   {"workers": 4, "latency_ms": 10, "present": false}],
      "events": [{"at": 2, "backend": 1, "join": true}]})"));
  EXPECT_NEAR(r.watched_share, 0.25, 0.03);
}

TEST(SimEngine, CallsWithNoBackendInServiceAreRefused) {
  RunResult r = run(small(R"([{"at": 2, "backend": 0, "leave": true},
                              {"at": 2, "backend": 1, "leave": true}])"));
  EXPECT_NEAR(r.refused_share, 0.5, 0.05);
  EXPECT_TRUE(std::isnan(r.series.back()));  // no call started in the last bucket
}

TEST(SimEngine, MoreWorkersDrainTheQueue) {
  // One worker at 10 ms serves 100 calls/s; 150 arrive. Eight workers from 1 s catch up.
  const char* base = R"({"duration": 3, "clients": {"count": 1, "rate": 150},
      "backends": {"count": 1, "workers": 1, "latency_ms": 10}, "events": )";
  RunResult stuck = run(parseScenario(std::string(base) + "[]}"));
  RunResult helped =
      run(parseScenario(std::string(base) + R"([{"at": 1, "backend": 0, "workers": 8}]})"));
  EXPECT_GT(stuck.p99, 500);
  EXPECT_LT(helped.series.back(), 50);
}

TEST(SimEngine, ARateChangeChangesTheLoad) {
  RunResult r = run(small(R"([{"at": 2, "rate": 100}])"));
  // 400 calls/s for 2 s, then 100 calls/s for 2 s.
  EXPECT_NEAR(static_cast<double>(r.calls), 1000, 100);
}

TEST(SimEngine, AStaticLimitRefusesBeyondIt) {
  Scenario s = small(R"([{"at": 1, "backend": 0, "workers": 1}])");
  s.client_settings.max_concurrency = 2;
  RunResult limited = run(s);
  EXPECT_GT(limited.refused, 0u);
  s.client_settings.max_concurrency = 0;
  EXPECT_EQ(run(s).refused, 0u);
}

}  // namespace
}  // namespace scales::sim

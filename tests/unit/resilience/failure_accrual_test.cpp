// SPDX-License-Identifier: Apache-2.0
// Failure accrual's state machine: when a node dies, for how long, and how it comes back.
#include "scales/resilience/failure_accrual.h"

#include <gtest/gtest.h>

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;
using State = FailureAccrual::State;

TEST(FailureAccrual, DiesAfterConsecutiveFailuresOnly) {
  FailureAccrual a({.consecutive_failures = 3}, 1);
  EXPECT_FALSE(a.recordFailure());
  EXPECT_FALSE(a.recordFailure());
  a.recordSuccess();  // a success breaks the run
  EXPECT_FALSE(a.recordFailure());
  EXPECT_FALSE(a.recordFailure());
  EXPECT_TRUE(a.recordFailure());
  EXPECT_EQ(a.state(), State::kDead);
  EXPECT_FALSE(a.recordFailure());  // calls already out when it died do not extend the backoff
}

TEST(FailureAccrual, AnUnreachableNodeDiesAtOnce) {
  FailureAccrual a({}, 1);
  EXPECT_TRUE(a.recordFailure(true));
  EXPECT_EQ(a.state(), State::kDead);
}

TEST(FailureAccrual, BackoffGrowsJitteredAndCapped) {
  FailureAccrualOptions options{.backoff_initial = 1s, .backoff_max = 10s};
  FailureAccrual a(options, 7);
  Duration expected_step = 1s;
  for (int relapse = 0; relapse < 8; ++relapse) {
    ASSERT_TRUE(a.recordFailure(true));
    Duration step = std::min<Duration>(expected_step, 10s);
    EXPECT_GE(a.backoff(), step / 2) << relapse;  // equal jitter: [step/2, step]
    EXPECT_LE(a.backoff(), step) << relapse;
    a.startProbing();
    EXPECT_EQ(a.state(), State::kProbing);
    expected_step *= 2;  // the probe fails: a longer backoff next
  }
}

TEST(FailureAccrual, APassedProbeRevivesAndResetsTheBackoff) {
  FailureAccrual a({.backoff_initial = 1s, .backoff_max = 100s}, 3);
  a.recordFailure(true);
  a.startProbing();
  a.recordFailure(true);  // relapse: 2 s step
  EXPECT_GT(a.backoff(), 999ms);
  a.startProbing();
  a.recordSuccess();
  EXPECT_EQ(a.state(), State::kAlive);
  a.recordFailure(true);
  EXPECT_LE(a.backoff(), 1s);  // back to the first step
}

TEST(FailureAccrual, AFailedProbeKillsAgainWithoutWaitingForTheThreshold) {
  FailureAccrual a({.consecutive_failures = 5}, 3);
  a.recordFailure(true);
  a.startProbing();
  EXPECT_TRUE(a.recordFailure());
  EXPECT_EQ(a.state(), State::kDead);
}

TEST(FailureAccrual, LowSuccessRateKillsOnceEnoughResultsAreIn) {
  FailureAccrual a({.consecutive_failures = 0,
                    .required_success_rate = 0.8,
                    .success_rate_requests = 10,
                    .min_requests = 10},
                   1);
  // Alternating results: the average sinks towards 0.5; nothing happens before 10 results.
  for (int i = 0; i < 9; ++i) {
    if (i % 2) {
      EXPECT_FALSE(a.recordFailure()) << i;
    } else {
      a.recordSuccess();
    }
  }
  bool died = false;
  for (int i = 0; i < 20 && !died; ++i) {
    a.recordSuccess();
    died = a.recordFailure();
  }
  EXPECT_TRUE(died);
  EXPECT_LT(a.successRate(), 0.8);
}

TEST(FailureAccrual, AHighSuccessRateNeverKills) {
  FailureAccrual a({.consecutive_failures = 0, .required_success_rate = 0.5, .min_requests = 5}, 1);
  for (int i = 0; i < 1000; ++i) {
    if (i % 4 == 0) {
      EXPECT_FALSE(a.recordFailure());
    } else {
      a.recordSuccess();
    }
  }
  EXPECT_EQ(a.state(), State::kAlive);
}

}  // namespace
}  // namespace scales::resilience

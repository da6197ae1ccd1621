// SPDX-License-Identifier: Apache-2.0
// The circuit breaker's states on a manual clock.
#include "scales/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
using namespace std::chrono_literals;
using State = CircuitBreaker::State;

struct CircuitBreakerTest : ::testing::Test {
  CircuitBreaker make(int max_failures) {
    CircuitBreakerOptions o;
    o.max_failures = max_failures;
    o.time_unit = 10s;
    o.reset_timeout = 30s;
    o.clock = [this] { return now; };
    return CircuitBreaker(o);
  }
  Clock::time_point now = Clock::time_point{} + 1h;
};

TEST_F(CircuitBreakerTest, OpensAfterMaxFailuresWithinTheTimeUnit) {
  auto breaker = make(3);
  EXPECT_FALSE(breaker.recordFailure());
  now += 4s;
  EXPECT_FALSE(breaker.recordFailure());
  now += 4s;
  EXPECT_TRUE(breaker.recordFailure());
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.tryAcquire());
  EXPECT_FALSE(breaker.admitting());
}

TEST_F(CircuitBreakerTest, FailuresSpreadWiderThanTheTimeUnitKeepItClosed) {
  auto breaker = make(3);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(breaker.recordFailure());
    now += 6s;  // any three failures span 12 s > 10 s
  }
  EXPECT_EQ(breaker.state(), State::kClosed);
}

TEST_F(CircuitBreakerTest, HalfOpenAdmitsOneProbeWhoseSuccessCloses) {
  auto breaker = make(1);
  EXPECT_TRUE(breaker.recordFailure());
  now += 29s;
  EXPECT_FALSE(breaker.tryAcquire());
  now += 1s;
  EXPECT_TRUE(breaker.admitting());
  EXPECT_TRUE(breaker.tryAcquire());  // the probe
  EXPECT_EQ(breaker.state(), State::kHalfOpen);
  EXPECT_FALSE(breaker.tryAcquire());  // one at a time
  EXPECT_FALSE(breaker.admitting());
  EXPECT_TRUE(breaker.recordSuccess());
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_TRUE(breaker.tryAcquire());
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItAgainForAnotherResetTimeout) {
  auto breaker = make(1);
  breaker.recordFailure();
  now += 30s;
  ASSERT_TRUE(breaker.tryAcquire());
  EXPECT_TRUE(breaker.recordFailure());
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_EQ(breaker.reopensAt(), now + 30s);
}

TEST_F(CircuitBreakerTest, AProbeEndedWithoutVerdictFreesTheSlot) {
  auto breaker = make(1);
  breaker.recordFailure();
  now += 30s;
  ASSERT_TRUE(breaker.tryAcquire());
  breaker.releaseProbe();
  EXPECT_TRUE(breaker.tryAcquire());
}

TEST_F(CircuitBreakerTest, OffByDefaultAndValidated) {
  CircuitBreaker off{CircuitBreakerOptions{}};
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(off.recordFailure());
  EXPECT_TRUE(off.tryAcquire());
  CircuitBreakerOptions bad;
  bad.max_failures = 2;
  bad.reset_timeout = 0s;
  EXPECT_THROW(CircuitBreaker{bad}, ConfigError);
}

}  // namespace
}  // namespace scales::resilience

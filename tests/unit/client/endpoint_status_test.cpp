// SPDX-License-Identifier: Apache-2.0
// What the admin page says of an endpoint: the state its gates leave it in (the most telling
// first), every gate's reason, and the last error after it came back.
#include <gtest/gtest.h>

#include "client/endpoint_node.h"

namespace scales::client {
namespace {

TEST(EndpointStatus, EachGateNamesItsState) {
  const std::pair<const char*, const char*> gates[] = {{"failure_accrual", "dead"},
                                                       {"circuit_breaker", "breaker open"},
                                                       {"health_gate", "unhealthy"},
                                                       {"outlier_gate", "ejected"}};
  for (const auto& [gate, state] : gates) {
    EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                          std::chrono::seconds(10), nullptr);
    EXPECT_EQ(endpoint.describe(Clock::now()).state, "live");
    endpoint.takeOut(gate, std::string("because ") + gate);
    auto status = endpoint.describe(Clock::now());
    EXPECT_EQ(status.state, state) << gate;
    EXPECT_FALSE(status.available) << gate;
    ASSERT_EQ(status.reasons.size(), 1u);
    EXPECT_EQ(status.reasons[0].gate, gate);
    EXPECT_EQ(status.reasons[0].why, std::string("because ") + gate);
    EXPECT_EQ(status.address, "10.0.0.1:9090");
  }
}

TEST(EndpointStatus, TheMostTellingGateNamesTheStateAndEveryGateIsListed) {
  EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                        std::chrono::seconds(10), nullptr);
  endpoint.takeOut("outlier_gate", "ejected as an outlier");
  endpoint.takeOut("health_gate", "probe failed");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "unhealthy");
  endpoint.takeOut("circuit_breaker", "circuit breaker opened", false);
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "breaker open");
  endpoint.takeOut("failure_accrual", "connection refused", false);
  auto status = endpoint.describe(Clock::now());
  EXPECT_EQ(status.state, "dead");
  EXPECT_EQ(status.reasons.size(), 4u);
  EXPECT_EQ(status.last_error, "connection refused");
  EXPECT_NE(status.last_error_at, metrics::WallTime{});

  endpoint.putBack("failure_accrual");
  endpoint.putBack("circuit_breaker");
  endpoint.putBack("health_gate");
  endpoint.putBack("outlier_gate");
  status = endpoint.describe(Clock::now());
  EXPECT_EQ(status.state, "live");
  EXPECT_TRUE(status.available);
  EXPECT_TRUE(status.reasons.empty());
  EXPECT_EQ(status.last_error, "connection refused") << "the last error outlives the outage";
}

TEST(EndpointStatus, ProbationShowsOnlyWhileNoGateKeepsItOut) {
  EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                        std::chrono::seconds(10), nullptr);
  endpoint.setProbation("failure_accrual", true);
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "probation");
  EXPECT_TRUE(endpoint.describe(Clock::now()).available);
  endpoint.takeOut("health_gate", "probe failed");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "unhealthy");
  endpoint.putBack("health_gate");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "probation");
  endpoint.setProbation("failure_accrual", false);
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "live");
}

TEST(EndpointStatus, AHalfOpenBreakersProbeShowsProbationAndKeepsTheErrorsTime) {
  EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                        std::chrono::seconds(10), nullptr);
  endpoint.takeOut("circuit_breaker", "circuit breaker opened after a timeout", false);
  auto opened = endpoint.describe(Clock::now()).last_error_at;
  // Half-open: back in on trial, then out while its one probe is in flight.
  endpoint.setProbation("circuit_breaker", true);
  endpoint.putBack("circuit_breaker");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "probation");
  endpoint.holdForProbe("circuit_breaker");
  auto probing = endpoint.describe(Clock::now());
  EXPECT_EQ(probing.state, "probation") << "not 'breaker open' while the probe is out";
  EXPECT_EQ(endpoint.stateName(), "probation");
  EXPECT_FALSE(probing.available) << "no second call while the probe is out";
  EXPECT_EQ(probing.last_error, "circuit breaker opened after a timeout");
  EXPECT_EQ(probing.last_error_at, opened) << "the probe is not a new error";
  ASSERT_EQ(probing.reasons.size(), 1u);
  EXPECT_EQ(probing.reasons[0].gate, "circuit_breaker");
  // Another gate's failure still names the state.
  endpoint.takeOut("health_gate", "probe failed");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "unhealthy");
  endpoint.putBack("health_gate");
  // The probe failed: open again, a new error.
  endpoint.setProbation("circuit_breaker", false);
  endpoint.takeOut("circuit_breaker", "circuit breaker opened after another timeout", false);
  auto reopened = endpoint.describe(Clock::now());
  EXPECT_EQ(reopened.state, "breaker open");
  EXPECT_EQ(reopened.last_error, "circuit breaker opened after another timeout");
}

TEST(EndpointStatus, TakenOutAgainForTheSameReasonItKeepsTheTimeItWentOut) {
  EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                        std::chrono::seconds(10), nullptr);
  endpoint.takeOut("health_gate", "probe failed");
  auto first = endpoint.describe(Clock::now()).last_error_at;
  // The system clock may not tick between two calls: wait until it does (bounded).
  for (auto give_up = Clock::now() + std::chrono::seconds(5);
       std::chrono::system_clock::now() <= first && Clock::now() < give_up;) {
  }
  ASSERT_GT(std::chrono::system_clock::now(), first);
  endpoint.takeOut("health_gate", "probe failed");
  EXPECT_EQ(endpoint.describe(Clock::now()).last_error_at, first);
  endpoint.takeOut("health_gate", "probe timed out");
  EXPECT_GT(endpoint.describe(Clock::now()).last_error_at, first) << "a new reason is news";
}

TEST(EndpointStatus, AGateThePageDoesNotKnowIsNamedAsItIs) {
  EndpointNode endpoint(discovery::Endpoint{.host = "10.0.0.1", .port = 9090},
                        std::chrono::seconds(10), nullptr);
  endpoint.takeOut("quota_gate", "over quota");
  EXPECT_EQ(endpoint.describe(Clock::now()).state, "quota_gate");
}

}  // namespace
}  // namespace scales::client

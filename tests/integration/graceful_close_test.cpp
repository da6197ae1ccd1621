// SPDX-License-Identifier: Apache-2.0
// Graceful close against a real server on 127.0.0.1, over Mux and framed Thrift: calls in flight
// finish, new calls are refused with UsageError, and the drain timeout bounds the wait.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>

#include "Flaky.scales.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

class GracefulClose : public ::testing::TestWithParam<const char*> {
 protected:
  std::string uri(const FlakyServer& server, const std::string& query = "") const {
    return "tcp://" + server.address() + "?transport=" + GetParam() + query;
  }
};

TEST_P(GracefulClose, CallsInFlightFinishAndNewCallsAreRefused) {
  FlakyServer server("s");
  auto client = flaky::FlakyClient::make(uri(server));
  EXPECT_EQ(client.read("k", 0), "s");  // connected
  auto slow = client.read("k", 300, asio::use_future);
  auto quick = client.read("k", 100, asio::use_future);
  auto started = Clock::now();
  client.thriftClient()->close();
  // close() returned when the last call in flight completed, not before.
  EXPECT_GE(Clock::now() - started, 250ms);
  ASSERT_EQ(slow.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(slow.get(), "s");
  EXPECT_EQ(quick.get(), "s");
  try {
    client.read("k", 0);
    ADD_FAILURE() << "a call after close() succeeded";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
  }
  client.thriftClient()->close();  // again: nothing to do
}

TEST_P(GracefulClose, TheDrainTimeoutBoundsTheWait) {
  FlakyServer server("s");
  auto client = flaky::FlakyClient::make(uri(server, "&drain_timeout_ms=100"));
  EXPECT_EQ(client.read("k", 0), "s");
  auto hung = client.read("k", 3000, asio::use_future);
  auto started = Clock::now();
  client.thriftClient()->close();
  auto took = Clock::now() - started;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 1500ms) << "close() waited past its drain timeout";
  // The call still out when the drain ended fails (its connection closed under it).
  ASSERT_EQ(hung.wait_for(2s), std::future_status::ready);
  EXPECT_ANY_THROW(hung.get());
}

TEST_P(GracefulClose, TheDestructorDrainsToo) {
  FlakyServer server("s");
  std::future<std::string> slow;
  Clock::time_point started;
  {
    auto client = flaky::FlakyClient::make(uri(server));
    slow = client.read("k", 200, asio::use_future);
    started = Clock::now();
  }
  EXPECT_GE(Clock::now() - started, 150ms);
  EXPECT_EQ(slow.get(), "s");
}

INSTANTIATE_TEST_SUITE_P(Transports, GracefulClose, ::testing::Values("mux", "framed"));

}  // namespace
}  // namespace scales::testing

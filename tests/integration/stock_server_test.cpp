// SPDX-License-Identifier: Apache-2.0
// The scales client against a stock Apache Thrift TThreadedServer (TFramedTransport), in its own
// process, for both protocols.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <string>
#include <vector>

#include "integration/exercise.h"
#include "support/child_process.h"

namespace scales::testing {
namespace {

class StockServer : public ::testing::TestWithParam<std::string> {};

TEST_P(StockServer, ScalesClientRoundTripsEveryCall) {
  ChildProcess server({STOCK_SERVER, GetParam()});
  auto line = server.readLine(std::chrono::seconds(20));
  ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock server did not start";
  auto client = interop::InteropServiceClient::make("tcp://127.0.0.1:" + line->substr(5) +
                                                    "?transport=framed&protocol=" + GetParam());
  exerciseEveryCall(client, ApplicationError::Type::kUnknown);
}

// Pipelined: every call on one connection, replies matched in order; the stock server answers a
// connection's calls one at a time, so a burst of calls all in flight at once must come back
// each to its own caller.
TEST_P(StockServer, PipelinedClientRoundTripsEveryCallAndBursts) {
  ChildProcess server({STOCK_SERVER, GetParam()});
  auto line = server.readLine(std::chrono::seconds(20));
  ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock server did not start";
  auto client = interop::InteropServiceClient::make(
      "tcp://127.0.0.1:" + line->substr(5) +
      "?transport=framed&pipelined=true&protocol=" + GetParam());
  exerciseEveryCall(client, ApplicationError::Type::kUnknown);
  const int kCalls = 500;
  std::vector<std::future<int64_t>> sums;
  for (int i = 0; i < kCalls; ++i) {
    sums.push_back(client.add(i, int64_t{1000} * i, boost::asio::use_future));
    client.record("burst " + std::to_string(i));  // oneway: no reply to match
  }
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(sums[i].get(), int64_t{1001} * i) << i;
}

INSTANTIATE_TEST_SUITE_P(Protocols, StockServer, ::testing::Values("binary", "compact"));

TEST(StockServerOverMux, ErrorSaysToUseFramed) {
  ChildProcess server({STOCK_SERVER, "binary"});
  auto line = server.readLine(std::chrono::seconds(20));
  ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock server did not start";
  auto client = interop::InteropServiceClient::make("tcp://127.0.0.1:" + line->substr(5) +
                                                    "?max_requeues=0&connect_timeout_ms=500");
  try {
    client.ping();
    ADD_FAILURE() << "a stock Thrift server answered a Mux handshake";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("?transport=framed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scales::testing

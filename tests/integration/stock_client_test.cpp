// SPDX-License-Identifier: Apache-2.0
// A stock Apache Thrift client (its own process, TFramedTransport) against the scales server,
// for both protocols.
#include <gtest/gtest.h>

#include "integration/interop_handler.h"
#include "support/child_process.h"

namespace scales::testing {
namespace {

class StockClient : public ::testing::TestWithParam<std::string> {};

TEST_P(StockClient, CallsEveryMethodOnScalesServer) {
  InteropServer server;
  ChildProcess client({STOCK_CLIENT, std::to_string(server.server->port()), GetParam()});
  auto status = client.wait(std::chrono::seconds(60));
  std::string output = client.readAll(std::chrono::seconds(1));
  ASSERT_TRUE(status.has_value()) << "stock client hung; output:\n" << output;
  EXPECT_EQ(*status, 0) << output;
  EXPECT_NE(output.find("OK "), std::string::npos) << output;
  // The Mux server recognised framed Thrift from the first bytes and served it as such.
  EXPECT_EQ(server.server->stats().downgraded_connects, 1u);
}

INSTANTIATE_TEST_SUITE_P(Protocols, StockClient, ::testing::Values("binary", "compact"));

}  // namespace
}  // namespace scales::testing

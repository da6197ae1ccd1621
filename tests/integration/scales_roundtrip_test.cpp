// SPDX-License-Identifier: Apache-2.0
// scales client against scales framed server: every call in both protocols, spread over
// several servers, and unknown methods.
#include <gtest/gtest.h>

#include <future>

#include "integration/exercise.h"
#include "integration/interop_handler.h"
#include "scales/thrift/codec.h"

namespace scales::testing {
namespace {

// (protocol, transport)
class ScalesRoundTrip : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ScalesRoundTrip, EveryCallRoundTripsExactly) {
  InteropServer server;
  auto [protocol, transport] = GetParam();
  auto client = interop::InteropServiceClient::make(server.uri() + "?protocol=" + protocol +
                                                    "&transport=" + transport);
  exerciseEveryCall(client);
  auto stats = server.server->stats();
  EXPECT_EQ(stats.downgraded_connects, transport == "framed" ? stats.connects : 0u);
}

INSTANTIATE_TEST_SUITE_P(ProtocolsAndTransports, ScalesRoundTrip,
                         ::testing::Combine(::testing::Values("binary", "compact"),
                                            ::testing::Values("mux", "framed")));

TEST(ScalesRoundRobin, SpreadsCallsEvenlyOverThreeServers) {
  InteropServer a, b, c;
  std::string uri = "tcp://127.0.0.1:" + std::to_string(a.server->port()) +
                    ",127.0.0.1:" + std::to_string(b.server->port()) +
                    ",127.0.0.1:" + std::to_string(c.server->port()) + "?balancer=round_robin";
  auto client = interop::InteropServiceClient::make(uri);
  for (int i = 0; i < 300; ++i) client.nothing();
  EXPECT_EQ(a.handler->calls, 100);
  EXPECT_EQ(b.handler->calls, 100);
  EXPECT_EQ(c.handler->calls, 100);
}

struct NoArgs {
  template <class P>
  void write(P* p) const {
    p->writeStructBegin("args");
    p->writeFieldStop();
    p->writeStructEnd();
  }
};

struct EmptyReply {
  template <class P>
  void read(P*) {}
};

TEST(ScalesServer, AnswersUnknownMethodWithApplicationError) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  Request request;
  request.method = "noSuchMethod";
  request.payload = thrift::encodeMessage(thrift::Protocol::kBinary, "noSuchMethod",
                                          apache::thrift::protocol::T_CALL, 0, NoArgs{});
  auto reply = std::make_shared<std::promise<Response>>();
  client.thriftClient()->asyncCall(std::move(request), [reply](std::exception_ptr e, Response r) {
    if (e) return reply->set_exception(e);
    reply->set_value(std::move(r));
  });
  Response response = reply->get_future().get();
  EmptyReply body;
  try {
    thrift::decodeMessage(thrift::Protocol::kBinary, response.payload, body);
    ADD_FAILURE() << "decoded a reply to an unknown method";
  } catch (const ApplicationError& e) {
    EXPECT_EQ(e.type(), ApplicationError::Type::kUnknownMethod);
    EXPECT_NE(std::string(e.what()).find("noSuchMethod"), std::string::npos);
  }
}

}  // namespace
}  // namespace scales::testing

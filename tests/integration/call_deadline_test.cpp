// SPDX-License-Identifier: Apache-2.0
// The caller's deadline reaches server handlers: sent by the scales Mux client in Finagle's
// Deadline context, read by sync and async handlers through scales::server::callDeadline().
#include "scales/server/call_deadline.h"

#include <gtest/gtest.h>

#include "Echo.scales.h"
#include "scales/server/thrift_server.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

// Answers with the milliseconds left of the call's deadline ("inf" when it has none).
std::string leftOfCallDeadline() {
  Deadline d = server::callDeadline();
  if (d.isInfinite()) return "inf";
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(d.remaining()).count());
}

struct SyncDeadlineEcho : echo::EchoHandler {
  std::string echo(const std::string&) override { return leftOfCallDeadline(); }
  int32_t hold(int32_t id) override { return id; }
};

struct AsyncDeadlineEcho : echo::EchoAsyncHandler {
  void echo(const std::string&, server::Reply<std::string> reply) override {
    reply(leftOfCallDeadline());
  }
  void hold(int32_t id, server::Reply<int32_t> reply) override { reply(id); }
};

template <class Handler>
std::string askServer(const std::string& options) {
  server::ThriftServer srv(std::make_shared<echo::EchoDispatcher>(std::make_shared<Handler>()));
  srv.start();
  auto client = echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(srv.port()) + options);
  return client.echo("how long do I have?");
}

TEST(CallDeadline, ASyncHandlerSeesWhatIsLeftOfTheCallersTimeout) {
  int left = std::stoi(askServer<SyncDeadlineEcho>("?timeout_ms=3000"));
  EXPECT_GT(left, 2000);  // the call took far less than a second to arrive
  EXPECT_LE(left, 3000);
}

TEST(CallDeadline, AnAsyncHandlerSeesItToo) {
  int left = std::stoi(askServer<AsyncDeadlineEcho>("?timeout_ms=1500"));
  EXPECT_GT(left, 500);
  EXPECT_LE(left, 1500);
}

TEST(CallDeadline, FramedThriftCarriesNone) {
  EXPECT_EQ(askServer<SyncDeadlineEcho>("?timeout_ms=3000&transport=framed"), "inf");
}

TEST(CallDeadline, OutsideAHandlerThereIsNone) { EXPECT_TRUE(server::callDeadline().isInfinite()); }

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// The scales Mux server with the scales Mux client: thousands of calls on one connection answered
// in any order, a drain under load that loses nothing, and discards that reach the server.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "Echo.scales.h"
#include "scales/server/thrift_server.h"
#include "support/batching_echo.h"

namespace scales::testing {
namespace {

struct EchoServer {
  explicit EchoServer(std::shared_ptr<echo::EchoAsyncHandler> h) : handler(std::move(h)) {
    server =
        std::make_unique<server::ThriftServer>(std::make_shared<echo::EchoDispatcher>(handler));
    server->start();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server->port()); }
  std::shared_ptr<echo::EchoAsyncHandler> handler;
  std::unique_ptr<server::ThriftServer> server;
};

TEST(MuxServer, TenThousandConcurrentCallsOnOneConnectionEachGetTheirOwnReply) {
  constexpr int kCalls = 10000;
  EchoServer server(std::make_shared<BatchingEcho>(kCalls));
  // Every call is issued before the session is up, so all of them wait for it.
  auto client = echo::EchoClient::make("tcp://" + server.address() +
                                       "?timeout_ms=60000&max_waiters=" + std::to_string(kCalls));
  std::atomic<int> done{0}, matched{0}, failed{0};
  std::promise<void> all_done;
  for (int i = 0; i < kCalls; ++i) {
    std::string payload = "call-" + std::to_string(i);
    client.echo(payload, [&, payload](std::exception_ptr e, std::string reply) {
      if (e) ++failed;
      if (!e && reply == payload) ++matched;
      if (++done == kCalls) all_done.set_value();
    });
  }
  all_done.get_future().get();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(matched, kCalls);
  EXPECT_EQ(server.server->stats().connects, 1u);  // one multiplexed connection
}

class QuickEcho : public echo::EchoHandler {
 public:
  std::string echo(const std::string& payload) override {
    ++calls;
    return payload;
  }
  int32_t hold(int32_t id) override { return id; }
  std::atomic<int> calls{0};
};

TEST(MuxServer, DrainingAServerUnderLoadFailsNoCall) {
  auto handler_a = std::make_shared<QuickEcho>();
  auto handler_b = std::make_shared<QuickEcho>();
  server::ThriftServer a(std::make_shared<echo::EchoDispatcher>(handler_a));
  server::ThriftServer b(std::make_shared<echo::EchoDispatcher>(handler_b));
  a.start();
  b.start();
  auto client = echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(a.port()) +
                                       ",127.0.0.1:" + std::to_string(b.port()));
  constexpr int kCalls = 4000, kConcurrency = 64, kDrainAt = 1000;
  std::atomic<int> issued{0}, done{0}, failed{0};
  std::promise<void> all_done, drain_now;
  std::string first_error;
  std::mutex error_mutex;
  std::function<void()> issue = [&] {
    int n = issued++;
    if (n >= kCalls) return;
    std::string payload = std::to_string(n);
    client.echo(payload, [&, payload](std::exception_ptr e, std::string reply) {
      if (e || reply != payload) {
        ++failed;
        std::lock_guard lock(error_mutex);
        try {
          if (e) std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          if (first_error.empty()) first_error = ex.what();
        }
      }
      int finished = ++done;
      issue();
      if (finished == kDrainAt) drain_now.set_value();
      // Last: once this is set, the test may return and its locals go away.
      if (finished == kCalls) all_done.set_value();
    });
  };
  for (int i = 0; i < kConcurrency; ++i) issue();
  drain_now.get_future().get();
  int a_calls_before = handler_a->calls;
  std::thread stopper([&] { a.stop(); });  // drains while calls keep flowing
  all_done.get_future().get();
  stopper.join();
  EXPECT_EQ(failed, 0) << first_error;
  EXPECT_GT(a_calls_before, 0);
  EXPECT_EQ(handler_a->calls + handler_b->calls, kCalls);
}

TEST(MuxServer, TimedOutCallsReachTheServerAsDiscards) {
  auto handler = std::make_shared<BatchingEcho>(1);
  EchoServer server(handler);
  // Accrual off: five timeouts in a row would otherwise (rightly) mark the only server dead.
  auto client =
      echo::EchoClient::make("tcp://" + server.address() + "?timeout_ms=100&accrual_failures=0");
  for (int i = 0; i < 5; ++i) {
    try {
      client.hold(i);
      ADD_FAILURE() << "hold returned";
    } catch (const TimeoutError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "hold threw " << e.what();
    }
  }
  // Frames on one connection are handled in order: once this reply is back, the server has
  // read every Tdiscarded the timeouts sent before it.
  EXPECT_EQ(client.echo("after"), "after");
  EXPECT_EQ(server.server->stats().discarded, 5u);
  // The held calls' late replies are dropped, and the connection stays healthy.
  handler->releaseHeld();
  EXPECT_EQ(client.echo("still fine"), "still fine");
  EXPECT_EQ(server.server->stats().connects, 1u);
}

}  // namespace
}  // namespace scales::testing

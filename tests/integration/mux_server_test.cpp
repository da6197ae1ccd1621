// SPDX-License-Identifier: Apache-2.0
// The scales Mux server with the scales Mux client: thousands of calls on one connection answered
// in any order, a drain under load that loses nothing, discards that reach the server,
// connections spread over the io threads, each kept on one, and calls over a connection's output
// allowance refused while the connection is still read.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
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

// Replies owed by slow calls count against max_unsent_bytes. Over it, the server used to stop
// reading the connection, so it no longer saw the client's pings either, and after ping_timeout
// the client failed the connection with every call on it. Now a new call is refused (NACK) and
// the connection is still read: the refusal comes back at once, and the held calls complete.
TEST(MuxServer, CallsOverTheOutputAllowanceAreRefusedAndTheConnectionIsStillRead) {
  auto handler = std::make_shared<BatchingEcho>(1);  // echo answers at once; hold waits
  // The server expects each call's reply to be about as large as the connection's recent ones:
  // after 64 replies of R = 16 KiB (and a few bytes of framing) that average is R. With an
  // allowance of 4.5 R, four held calls owe 4 R and a fifth is admitted; then 5 R is over it.
  const std::string large(16 * 1024, 'x');
  server::ServerOptions options;
  options.max_unsent_bytes = large.size() * 9 / 2;
  server::ThriftServer server(std::make_shared<echo::EchoDispatcher>(handler), options);
  server.start();
  auto client = echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(server.port()) +
                                       "?timeout_ms=10000&max_requeues=0&max_retries=0");
  for (int i = 0; i < 64; ++i) ASSERT_EQ(client.echo(large).size(), large.size());
  constexpr int kHeld = 5;
  std::atomic<int> held_done{0}, held_ok{0};
  std::promise<void> all_held_done;
  for (int i = 0; i < kHeld; ++i) {
    client.hold(i, [&, i](std::exception_ptr e, int32_t id) {
      if (!e && id == i) ++held_ok;
      if (++held_done == kHeld) all_held_done.set_value();
    });
  }
  // Frames on a connection are handled in order, so this call arrives after every held one.
  auto started = std::chrono::steady_clock::now();
  try {
    client.echo("over the allowance");
    ADD_FAILURE() << "a call over the output allowance was answered";
  } catch (const NackError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a NACK, got: " << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5))
      << "the refusal should come back at once, not at the call's timeout";
  EXPECT_GE(server.stats().calls_refused, 1u);
  EXPECT_EQ(server.stats().backpressure_pauses, 0u) << "nothing was unsent: no reason to pause";
  handler->releaseHeld();
  all_held_done.get_future().get();
  EXPECT_EQ(held_ok, kHeld);
  EXPECT_EQ(client.echo("after"), "after");
  EXPECT_EQ(server.stats().connects, 1u);
}

// Records which thread handled each connection's calls; the payload names the connection
// ("<client>:<call>"). An async handler is called on its connection's loop.
class ThreadRecordingEcho : public echo::EchoAsyncHandler {
 public:
  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    {
      std::lock_guard lock(mutex_);
      threads_[payload.substr(0, payload.find(':'))].insert(std::this_thread::get_id());
    }
    reply(payload);
  }
  void hold(int32_t id, server::Reply<int32_t> reply) override { reply(id); }
  std::map<std::string, std::set<std::thread::id>> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::thread::id>> threads_;
};

TEST(MuxServer, ConnectionsSpreadOverTheIoThreadsAndEachStaysOnOne) {
  auto handler = std::make_shared<ThreadRecordingEcho>();
  server::ServerOptions options;
  options.io_threads = 2;
  server::ThriftServer server(std::make_shared<echo::EchoDispatcher>(handler), options);
  server.start();
  constexpr int kClients = 4, kCallsEach = 200;
  std::vector<echo::EchoClient> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(server.port())));
    clients.back().echo("c" + std::to_string(c) + ":connect");  // connections in a known order
  }
  // Every client's calls in flight at once, so both loops are busy together.
  std::atomic<int> done{0}, wrong{0};
  std::promise<void> all_done;
  for (int i = 0; i < kCallsEach; ++i) {
    for (int c = 0; c < kClients; ++c) {
      std::string payload = "c" + std::to_string(c) + ":" + std::to_string(i);
      clients[static_cast<size_t>(c)].echo(payload,
                                           [&, payload](std::exception_ptr e, std::string reply) {
                                             if (e || reply != payload) ++wrong;
                                             if (++done == kClients * kCallsEach)
                                               all_done.set_value();
                                           });
    }
  }
  all_done.get_future().get();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(server.stats().connects, static_cast<uint64_t>(kClients));
  auto threads = handler->threads();
  ASSERT_EQ(threads.size(), static_cast<size_t>(kClients));
  std::set<std::thread::id> all;
  for (auto& [connection, used] : threads) {
    EXPECT_EQ(used.size(), 1u) << connection << " ran on more than one io thread";
    all.insert(used.begin(), used.end());
  }
  EXPECT_EQ(all.size(), 2u) << "the connections should take both io threads in turn";
}

}  // namespace
}  // namespace scales::testing

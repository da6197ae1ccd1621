// SPDX-License-Identifier: Apache-2.0
// Failure accrual over real sockets on 127.0.0.1: a backend that accepts and never answers is
// marked dead after its timeouts and traffic moves away; a backend that was down is probed after
// its backoff and gets traffic again once it is back.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "Echo.scales.h"
#include "scales/server/thrift_server.h"
#include "support/fault_peer.h"
#include "support/loopback_port.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

class CountingEcho : public echo::EchoAsyncHandler {
 public:
  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    ++calls;
    reply(payload);
  }
  void hold(int32_t id, server::Reply<int32_t> reply) override { reply(id); }
  std::atomic<int> calls{0};
};

struct Backend {
  explicit Backend(uint16_t port = 0)
      : handler(std::make_shared<CountingEcho>()),
        server(std::make_shared<echo::EchoDispatcher>(handler),
               server::ServerOptions{.port = port}) {
    server.start();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }
  std::shared_ptr<CountingEcho> handler;
  server::ThriftServer server;
};

TEST(FailureAccrualRouting, AHungBackendIsMarkedDeadAfterItsTimeoutsAndTrafficMoves) {
  FaultPeer hung(FaultPeer::Fault::kSilent);
  Backend good;
  auto client = echo::EchoClient::make("tcp://" + hung.address() + "," + good.address() +
                                       "?transport=framed&balancer=round_robin&timeout_ms=100"
                                       "&accrual_failures=3&max_requeues=0");
  int timeouts = 0;
  for (int i = 0; i < 40; ++i) {
    auto started = Clock::now();
    try {
      EXPECT_EQ(client.echo("x"), "x");
    } catch (const TimeoutError&) {
      ++timeouts;
    }
    EXPECT_LT(Clock::now() - started, 600ms) << "call " << i << " outlived its 100 ms deadline";
  }
  // Round robin alternates: the hung node takes calls until its third timeout marks it dead for
  // a backoff of at least 2.5 s, far longer than this loop; every later call goes to `good`.
  EXPECT_EQ(timeouts, 3);
  EXPECT_EQ(good.handler->calls, 37);
}

TEST(FailureAccrualRouting, ADownBackendIsProbedAfterItsBackoffAndComesBack) {
  uint16_t port = freeLoopbackPort();  // listened on later, by the "restarted" backend
  Backend up;
  auto client =
      echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(port) + "," + up.address() +
                             "?balancer=round_robin&accrual_backoff_ms=50"
                             "&accrual_backoff_max_ms=200");
  // Port refused: the call is requeued to `up`, and the refusing node is marked dead at once.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.echo("x"), "x");
  Backend restarted(port);
  // Within a bounded time (backoffs are at most 200 ms), a probe reaches the restarted backend.
  auto give_up = Clock::now() + 10s;
  while (restarted.handler->calls == 0 && Clock::now() < give_up) {
    EXPECT_EQ(client.echo("x"), "x");
  }
  EXPECT_GT(restarted.handler->calls, 0) << "the revived backend never got a call";
  // Alive again: round robin shares calls between both from here on.
  int before = restarted.handler->calls;
  for (int i = 0; i < 20; ++i) client.echo("x");
  EXPECT_NEAR(restarted.handler->calls - before, 10, 1);
}

uint16_t closedPort() { return freeLoopbackPort(); }

TEST(FailureAccrualRouting, WithEveryBackendDownCallsFailFastWithUnavailable) {
  std::string uri = "tcp://127.0.0.1:" + std::to_string(closedPort()) +
                    ",127.0.0.1:" + std::to_string(closedPort()) +
                    ",127.0.0.1:" + std::to_string(closedPort());
  auto client = echo::EchoClient::make(uri);
  int unavailable = 0, refused = 0;
  auto started = Clock::now();
  for (int i = 0; i < 300; ++i) {
    try {
      client.echo("x");
      ADD_FAILURE() << "a call succeeded with every backend down";
    } catch (const UnavailableError&) {
      ++unavailable;
    } catch (const ConnectFailedError&) {
      ++refused;
    }
  }
  // Each endpoint is tried once (the first call's requeues reach all three), then marked dead
  // for at least 2.5 s: every later call fails at once.
  EXPECT_LE(refused, 1);
  EXPECT_GE(unavailable, 299);
  EXPECT_LT(Clock::now() - started, 2s);
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Warm connections against real listeners on 127.0.0.1: preconnect opens an endpoint's
// connections before any call (the framed pool up to its low watermark, the Mux session), and
// awaitReady() returns once one is open or fails naming why none is.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <thread>

#include "Flaky.scales.h"
#include "support/fault_peer.h"
#include "support/flaky_handler.h"
#include "support/loopback_port.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// Waits (bounded) until `peer` has accepted `count` connections.
bool acceptedWithin(const FaultPeer& peer, int count, Duration limit) {
  auto give_up = Clock::now() + limit;
  while (peer.connections() < count && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);  // another process's accept count: nothing to await
  }
  return peer.connections() >= count;
}

TEST(WarmConnections, PreconnectOpensTheFramedPoolUpToItsLowWatermarkBeforeAnyCall) {
  FaultPeer listener(FaultPeer::Fault::kSilent);
  auto client = flaky::FlakyClient::make("tcp://" + listener.address() +
                                         "?transport=framed&preconnect=true&low_watermark=3");
  EXPECT_TRUE(acceptedWithin(listener, 3, 5s)) << listener.connections() << " connections";
  std::this_thread::sleep_for(50ms);  // and no more than the low watermark
  EXPECT_EQ(listener.connections(), 3);
}

TEST(WarmConnections, WithoutPreconnectNothingOpensBeforeTheFirstCall) {
  FaultPeer listener(FaultPeer::Fault::kSilent);
  auto client = flaky::FlakyClient::make("tcp://" + listener.address() + "?transport=framed");
  std::this_thread::sleep_for(200ms);  // the absence of an event: given time to happen
  EXPECT_EQ(listener.connections(), 0);
}

TEST(WarmConnections, PreconnectOpensTheMuxSessionAndAwaitReadyReturnsOnceItIsUp) {
  FlakyServer server("s");
  auto client = flaky::FlakyClient::make("tcp://" + server.address() + "?preconnect=true");
  auto started = Clock::now();
  client.thriftClient()->awaitReady(5s);
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_EQ(client.read("k", 0), "s");
  EXPECT_EQ(server.handler->calls, 1) << "readiness took no call";
}

TEST(WarmConnections, AwaitReadyConnectsEvenWithoutPreconnect) {
  FlakyServer server("s");
  for (const char* transport : {"mux", "framed"}) {
    auto client = flaky::FlakyClient::make("tcp://" + server.address() + "?transport=" + transport);
    EXPECT_NO_THROW(client.thriftClient()->awaitReady(5s)) << transport;
  }
}

TEST(WarmConnections, AwaitReadyFailsNamingWhyNoEndpointConnected) {
  uint16_t closed = freeLoopbackPort();
  auto client =
      flaky::FlakyClient::make("tcp://127.0.0.1:" + std::to_string(closed) + "?preconnect=true");
  auto started = Clock::now();
  try {
    client.thriftClient()->awaitReady(300ms);
    ADD_FAILURE() << "ready with nothing listening";
  } catch (const UnavailableError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(closed)), std::string::npos) << what;
    EXPECT_NE(what.find("connected in time"), std::string::npos) << what;
  }
  EXPECT_GE(Clock::now() - started, 250ms);
  EXPECT_LT(Clock::now() - started, 3s);
  // The token form says the same through its exception_ptr.
  auto ready = client.thriftClient()->awaitReady(100ms, asio::use_future);
  EXPECT_THROW(ready.get(), UnavailableError);
}

// The server closes the framed pool's one idle connection; readiness must open another rather
// than count the dead one towards the pool's low watermark (it did, and waited out the limit).
TEST(WarmConnections, AwaitReadyReplacesAnIdleConnectionTheServerClosed) {
  server::ServerOptions options;
  options.idle_timeout = 100ms;
  FlakyServer server("s", options);
  auto client = flaky::FlakyClient::make("tcp://" + server.address() + "?transport=framed");
  EXPECT_EQ(client.read("k", 0), "s");  // its connection now waits idle in the pool
  auto give_up = Clock::now() + 5s;
  auto closed = [&] {
    auto stats = server.server.stats();
    return stats.idle_timeouts == 1 && stats.open_connections == 0;  // counted, then closed
  };
  while (!closed() && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);  // the server's counters: nothing to await from here
  }
  ASSERT_TRUE(closed());
  auto started = Clock::now();
  EXPECT_NO_THROW(client.thriftClient()->awaitReady(2s));
  EXPECT_LT(Clock::now() - started, 1s);
  // The server may count the new connection a moment after the client sees it open.
  give_up = Clock::now() + 2s;
  while (server.server.stats().open_connections < 1 && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(server.server.stats().open_connections, 1u) << "a new connection for readiness";
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Three real scales servers on 127.0.0.1; one turns slow mid-test. The least-loaded and latency
// aware balancers move traffic off it (asserted on the calls each server received), round robin
// does not.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <future>
#include <set>
#include <thread>

#include "Echo.scales.h"
#include "scales/balancer/hash.h"
#include "scales/server/thrift_server.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// Echoes after `delay` (0: at once), timing replies on its own thread so that a slow server
// still takes every call concurrently, as a real slow backend would.
class DelayingEcho : public echo::EchoAsyncHandler {
 public:
  DelayingEcho() : thread_([this] { io_.run(); }) {}
  ~DelayingEcho() override {
    work_.reset();
    thread_.join();
  }

  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    ++calls;
    auto delay = std::chrono::microseconds(delay_us.load());
    if (delay.count() == 0) return reply(payload);
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([timer, payload, reply = std::move(reply)](auto) mutable { reply(payload); });
  }
  void hold(int32_t id, server::Reply<int32_t> reply) override {
    ++calls;
    reply(id);
  }

  std::atomic<int> calls{0};
  std::atomic<int64_t> delay_us{0};

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

struct Backend {
  Backend()
      : handler(std::make_shared<DelayingEcho>()),
        server(std::make_shared<echo::EchoDispatcher>(handler)) {
    server.start();
  }
  std::shared_ptr<DelayingEcho> handler;
  server::ThriftServer server;
};

// A closed loop: `concurrency` calls in flight until `total` have completed. Returns failures.
int runLoad(echo::EchoClient& client, int total, int concurrency) {
  struct Loop {
    std::atomic<int> issued{0}, done{0}, failed{0};
    std::promise<void> finished;
  };
  auto loop = std::make_shared<Loop>();
  std::function<void()> issue;
  issue = [&client, loop, total, &issue] {
    if (loop->issued++ >= total) return;
    client.echo("ping", [loop, total, &issue](std::exception_ptr e, std::string) {
      if (e) ++loop->failed;
      issue();
      if (++loop->done == total) loop->finished.set_value();
    });
  };
  for (int i = 0; i < concurrency; ++i) issue();
  auto status = loop->finished.get_future().wait_for(60s);
  EXPECT_EQ(status, std::future_status::ready) << "load did not finish within 60 s";
  return loop->failed;
}

struct Shares {
  double slow;
  int total;
};

// Warm up with every server fast, slow server 0 down to 20 ms, then measure its share.
Shares slowServerShare(const std::string& balancer) {
  Backend a, b, c;
  std::string uri = "tcp://127.0.0.1:" + std::to_string(a.server.port()) +
                    ",127.0.0.1:" + std::to_string(b.server.port()) +
                    ",127.0.0.1:" + std::to_string(c.server.port()) + "?balancer=" + balancer +
                    "&aperture_min_size=3";
  auto client = echo::EchoClient::make(uri);
  EXPECT_EQ(runLoad(client, 600, 16), 0);
  EXPECT_GT(a.handler->calls, 0) << "server 0 must have been in use before it slowed";
  a.handler->delay_us = 20000;
  for (auto* backend : {&a, &b, &c}) backend->handler->calls = 0;
  EXPECT_EQ(runLoad(client, 900, 16), 0);
  int total = a.handler->calls + b.handler->calls + c.handler->calls;
  std::printf("%s: slow server took %d of %d calls\n", balancer.c_str(), a.handler->calls.load(),
              total);
  return {static_cast<double>(a.handler->calls) / total, total};
}

TEST(BalancerShift, RoundRobinKeepsSendingTheSlowServerItsThird) {
  auto shares = slowServerShare("round_robin");
  EXPECT_EQ(shares.total, 900);
  EXPECT_NEAR(shares.slow, 1.0 / 3, 0.02);
}

TEST(BalancerShift, HeapMovesTrafficOffTheSlowServer) {
  EXPECT_LT(slowServerShare("heap").slow, 0.15);
}

TEST(BalancerShift, P2CMovesTrafficOffTheSlowServer) {
  EXPECT_LT(slowServerShare("p2c").slow, 0.15);
}

TEST(BalancerShift, P2CEwmaMovesTrafficOffTheSlowServer) {
  // Until the first slow reply lands (20 ms), the node's latency history is still fast, so it
  // keeps some share; under sanitizers that window holds more of the run.
  EXPECT_LT(slowServerShare("p2c_ewma").slow, 0.15);
}

TEST(BalancerShift, ApertureMovesTrafficOffTheSlowServer) {
  EXPECT_LT(slowServerShare("aperture").slow, 0.15);
}

}  // namespace
}  // namespace scales::testing

namespace scales::testing {
namespace {

// Ring hash over three real servers: the key decides the server, the same key always the same.
struct ThreeServers {
  Backend a, b, c;
  std::string uri(const std::string& options) {
    return "tcp://127.0.0.1:" + std::to_string(a.server.port()) +
           ",127.0.0.1:" + std::to_string(b.server.port()) +
           ",127.0.0.1:" + std::to_string(c.server.port()) + "?balancer=ring_hash" + options;
  }
  std::vector<int> calls() { return {a.handler->calls, b.handler->calls, c.handler->calls}; }
  void reset() {
    for (auto* backend : {&a, &b, &c}) backend->handler->calls = 0;
  }
};

int onlyServerCalled(const std::vector<int>& calls) {
  int which = -1;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i] == 0) continue;
    if (which != -1) return -2;  // more than one
    which = static_cast<int>(i);
  }
  return which;
}

TEST(RingHashRouting, ANamedArgumentKeysEachCall) {
  ThreeServers servers;
  auto client = echo::EchoClient::make(servers.uri("&hash_field=id"));
  std::set<int> used;
  for (int32_t id = 0; id < 30; ++id) {
    servers.reset();
    for (int repeat = 0; repeat < 5; ++repeat) EXPECT_EQ(client.hold(id), id);
    int server = onlyServerCalled(servers.calls());
    EXPECT_GE(server, 0) << "id " << id << " went to more than one server (-2) or none (-1)";
    used.insert(server);
  }
  EXPECT_EQ(used.size(), 3u);  // 30 keys over 3 servers: each gets some
}

TEST(RingHashRouting, AnExplicitScopeKeysTheCallsStartedInIt) {
  ThreeServers servers;
  auto client = echo::EchoClient::make(servers.uri(""));
  for (int user = 0; user < 10; ++user) {
    servers.reset();
    HashKeyScope scope(hashKey("user-" + std::to_string(user)));
    for (int repeat = 0; repeat < 5; ++repeat) client.echo("x");
    EXPECT_GE(onlyServerCalled(servers.calls()), 0) << "user " << user;
  }
}

TEST(RingHashRouting, AHashFieldNamingNoArgumentIsAConfigError) {
  ThreeServers servers;
  try {
    echo::EchoClient::make(servers.uri("&hash_field=user_id"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("hash_field 'user_id' is not an argument of any Echo "
                                         "function; arguments: payload, id"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace scales::testing

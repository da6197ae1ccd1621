// SPDX-License-Identifier: Apache-2.0
// consul:// discovery and the Consul announcer against support/consul_server.h, a stand-in agent
// on 127.0.0.1 implementing Consul's documented semantics (no Consul server is packaged here):
// blocking queries following adds, removals and health changes; the tag, dc and passing filters;
// weights; the last good set kept while the agent is away; the X-Consul-Index rules; malformed
// answers; the announcer's registration, TTL heartbeats, re-registration and deregistration; and
// a Thrift client reaching real servers through it all.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "Flaky.scales.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/server/announcer.h"
#include "support/consul_server.h"
#include "support/flaky_handler.h"
#include "support/loopback_port.h"
#include "support/traffic.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using discovery::Endpoint;
using discovery::ResolverUpdate;
using server::Announcer;

std::vector<Endpoint> sorted(std::vector<Endpoint> endpoints) {
  std::sort(endpoints.begin(), endpoints.end());
  return endpoints;
}

std::string show(const ResolverUpdate& u) {
  if (!u.error.empty()) return "[error: " + u.error + "]";
  std::string out = "{";
  for (const auto& e : u.endpoints) {
    out += (out.size() > 1 ? ", " : "") + e.address() + " w" + std::to_string(e.weight);
  }
  return out + "}" + (u.detail.empty() ? "" : " (" + u.detail + ")");
}

// A resolver running on its own event loop thread, and every update it delivered.
class Watcher {
 public:
  explicit Watcher(const std::string& uri, const discovery::ResolverOptions& options = {})
      : resolver_(discovery::makeResolver(discovery::parseUri(uri), io_.get_executor(), options)) {
    asio::post(io_, [this] {
      resolver_->start([this](const ResolverUpdate& update) {
        std::lock_guard lock(mutex_);
        updates_.push_back(update);
        changed_.notify_all();
      });
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Watcher() {
    std::promise<void> stopped;
    asio::post(io_, [this, &stopped] {
      resolver_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    io_.stop();
    thread_.join();
  }

  // Waits until the latest set delivered (errors aside) is `expected`, in any order.
  bool waitForSet(const std::vector<Endpoint>& expected, Duration timeout = 5s) {
    return waitUntil(
        [&] {
          for (auto it = updates_.rbegin(); it != updates_.rend(); ++it) {
            if (it->error.empty()) return sorted(it->endpoints) == sorted(expected);
          }
          return false;
        },
        timeout);
  }
  // Waits for an error update containing `text`.
  bool waitForError(const std::string& text, Duration timeout = 5s) {
    return waitUntil(
        [&] {
          return std::any_of(updates_.begin(), updates_.end(), [&](const ResolverUpdate& u) {
            return !u.error.empty() && u.error.find(text) != std::string::npos;
          });
        },
        timeout);
  }
  std::vector<ResolverUpdate> updates() {
    std::lock_guard lock(mutex_);
    return updates_;
  }
  std::string history() {
    std::string out;
    for (const auto& u : updates()) out += show(u) + " ";
    return out;
  }

 private:
  bool waitUntil(const std::function<bool()>& done, Duration timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, done);
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<discovery::Resolver> resolver_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ResolverUpdate> updates_;
  std::thread thread_;
};

class ConsulDiscovery : public ::testing::Test {
 protected:
  // consul://<the stand-in>/<rest>, e.g. uri("web?tag=blue").
  std::string uri(const std::string& rest) { return "consul://" + consul_.address() + "/" + rest; }
  static ConsulServer::Instance web(const std::string& id, uint16_t port) {
    return ConsulServer::on(id, "web", port);
  }
  static Endpoint at(uint16_t port, double weight = 1.0) { return {"127.0.0.1", port, weight}; }
  static server::AnnouncerOptions announcing() {
    server::AnnouncerOptions options;
    options.session_timeout = 1s;  // heartbeats every 333 ms: several TTLs pass quickly
    return options;
  }

  ConsulServer consul_;
};

TEST_F(ConsulDiscovery, BlockingQueriesFollowAddsRemovalsAndHealth) {
  consul_.add(web("a", 7101));
  consul_.add(web("b", 7102));
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7101), at(7102)})) << watcher.history();
  // Nothing changes: a resolver that polled would ask again and again; one blocking query is held
  // open instead. The quiet window is the measurement, not a wait for an event.
  ASSERT_TRUE(consul_.waitFor([&] { return consul_.healthIndexes().back() > 0; }, 5s))
      << "no blocking query (one sending the index) followed the first answer";
  int before = consul_.requests("health");
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(consul_.requests("health") - before, 0);

  consul_.add(web("c", 7103));
  EXPECT_TRUE(watcher.waitForSet({at(7101), at(7102), at(7103)})) << watcher.history();
  consul_.setHealth("b", "critical");
  EXPECT_TRUE(watcher.waitForSet({at(7101), at(7103)})) << watcher.history();
  consul_.remove("a");
  EXPECT_TRUE(watcher.waitForSet({at(7103)})) << watcher.history();
  consul_.setHealth("b", "passing");
  EXPECT_TRUE(watcher.waitForSet({at(7102), at(7103)})) << watcher.history();
  // Each change answered a blocking query: a handful of requests in all, not a poll's stream.
  EXPECT_LE(consul_.requests("health"), 12);
  for (const auto& update : watcher.updates()) EXPECT_EQ(update.error, "") << show(update);
}

TEST_F(ConsulDiscovery, TagDatacenterAndPassingFilter) {
  auto blue = web("a", 7111);
  blue.tags = {"blue", "v2"};
  auto green = web("b", 7112);
  green.tags = {"green"};
  auto sick = web("c", 7113);
  sick.tags = {"blue"};
  sick.status = "critical";
  auto east = web("d", 7114);
  east.datacenter = "east";
  for (const auto& instance : {blue, green, sick, east}) consul_.add(instance);

  Watcher tagged(uri("web?tag=blue"));
  Watcher everyone(uri("web?passing=false"));
  Watcher in_east(uri("web?dc=east"));
  Watcher nowhere(uri("web?dc=mars"));
  EXPECT_TRUE(tagged.waitForSet({at(7111)})) << tagged.history();
  EXPECT_TRUE(everyone.waitForSet({at(7111), at(7112), at(7113)})) << everyone.history();
  EXPECT_TRUE(in_east.waitForSet({at(7114)})) << in_east.history();
  EXPECT_TRUE(nowhere.waitForError("No path to datacenter")) << nowhere.history();
  EXPECT_TRUE(nowhere.waitForError("HTTP 500")) << nowhere.history();
}

TEST_F(ConsulDiscovery, NodeAddressStandsInAndWeightsCarry) {
  auto on_node = web("a", 7121);
  on_node.address = "";  // the instance runs on its node's address
  on_node.node_address = "127.0.0.2";
  on_node.weight = 3;
  consul_.add(on_node);
  consul_.add(web("b", 7122));
  Watcher watcher(uri("web"));
  EXPECT_TRUE(watcher.waitForSet({{"127.0.0.2", 7121, 3.0}, at(7122)})) << watcher.history();
}

TEST_F(ConsulDiscovery, AnEmptyServiceSaysWhy) {
  Watcher watcher(uri("nothing"));
  ASSERT_TRUE(watcher.waitForSet({})) << watcher.history();
  auto update = watcher.updates().back();
  EXPECT_NE(update.detail.find("'nothing'"), std::string::npos) << update.detail;
  EXPECT_NE(update.detail.find("no passing instances"), std::string::npos) << update.detail;
}

TEST_F(ConsulDiscovery, LastSetKeptWhileTheAgentIsAwayThenRecovered) {
  consul_.add(web("a", 7131));
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7131)})) << watcher.history();
  size_t seen = watcher.updates().size();
  consul_.stop();  // the blocked query's connection closes with it
  ASSERT_TRUE(watcher.waitForError("Consul agent " + consul_.address())) << watcher.history();
  consul_.add(web("b", 7132));
  consul_.start();
  EXPECT_TRUE(watcher.waitForSet({at(7131), at(7132)}, 10s)) << watcher.history();
  // In between, only errors (which keep the last set) and then the new set.
  auto updates = watcher.updates();
  for (size_t i = seen; i + 1 < updates.size(); ++i) {
    EXPECT_NE(updates[i].error, "")
        << "a set other than the last good one came in between: " << show(updates[i]);
  }
}

TEST_F(ConsulDiscovery, AnUnreachableAgentIsAnErrorNamingIt) {
  // Reported once resolve_timeout passes without a set (not at the first refusal: the calls
  // waiting for a set would fail at once, although a retry might be answered).
  auto port = freeLoopbackPort();
  discovery::ResolverOptions options;
  options.resolve_timeout = 300ms;
  Watcher watcher("consul://127.0.0.1:" + std::to_string(port) + "/web", options);
  EXPECT_TRUE(watcher.waitForError("Consul agent 127.0.0.1:" + std::to_string(port)))
      << watcher.history();
  EXPECT_NE(watcher.history().find("after 300 ms"), std::string::npos) << watcher.history();
}

TEST_F(ConsulDiscovery, AnAgentThatNeverAnswersIsNamedAfterTheResolveTimeout) {
  // Listening but never accepting: connections complete in the backlog, requests go unanswered.
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto address = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  discovery::ResolverOptions options;
  options.resolve_timeout = 300ms;
  Watcher watcher("consul://" + address + "/web", options);
  EXPECT_TRUE(watcher.waitForError("no answer for Consul service 'web' from Consul agent " +
                                   address + " after 300 ms"))
      << watcher.history();
}

TEST_F(ConsulDiscovery, AnIndexGoingBackwardsRestartsTheLoop) {
  consul_.add(web("a", 7141));
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7141)})) << watcher.history();
  ASSERT_TRUE(consul_.waitFor([&] { return consul_.healthIndexes().back() > 1; }, 5s));
  size_t queries = consul_.healthIndexes().size();
  // A restore from an older snapshot: the index drops below the one the resolver holds. Kept, that
  // index would block every query for a whole wait (30 s) and miss the change below.
  consul_.rewindIndex(1);
  ASSERT_TRUE(consul_.waitFor(
      [&] {
        auto indexes = consul_.healthIndexes();
        return std::count(indexes.begin() + static_cast<std::ptrdiff_t>(queries), indexes.end(),
                          0u) > 0;
      },
      5s))
      << "no query restarted from index 0 after the index went backwards";
  consul_.add(web("b", 7142));
  EXPECT_TRUE(watcher.waitForSet({at(7141), at(7142)})) << watcher.history();
}

TEST_F(ConsulDiscovery, AZeroIndexDoesNotMakeAHotLoop) {
  consul_.add(web("a", 7151));
  consul_.replaceHealthAnswer(std::nullopt, "0");  // a Consul bug its docs warn about
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7151)})) << watcher.history();
  // Every query returns at once now; the resolver's rate limit is all that paces it.
  int before = consul_.requests("health");
  std::this_thread::sleep_for(2s);
  EXPECT_LE(consul_.requests("health") - before, 4);
}

TEST_F(ConsulDiscovery, AMalformedAnswerIsAnErrorThatKeepsTheSet) {
  consul_.add(web("a", 7161));
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7161)})) << watcher.history();
  consul_.replaceHealthAnswer("[{\"Service\": {\"Port\": 1");
  consul_.add(web("b", 7162));  // answers the blocked query, with the broken body
  ASSERT_TRUE(watcher.waitForError("malformed health answer")) << watcher.history();
  // A hostile entry next to a good one: the good one is used, the other left out.
  consul_.replaceHealthAnswer(
      R"([{"Node":{"Address":"127.0.0.1"},"Service":{"ID":"x","Port":99999}},)"
      R"({"Node":{"Address":"127.0.0.1"},"Service":{"ID":"y","Port":7163}}])");
  EXPECT_TRUE(watcher.waitForSet({at(7163)})) << watcher.history();
  consul_.replaceHealthAnswer(std::nullopt);
  consul_.add(web("c", 7164));
  EXPECT_TRUE(watcher.waitForSet({at(7161), at(7162), at(7164)})) << watcher.history();
}

TEST_F(ConsulDiscovery, AnnouncerRegistersAndKeepsItsCheckPassing) {
  auto options = announcing();
  options.tags = {"blue"};
  options.weight = 4;
  Announcer announcer(uri("web"), {"127.0.0.1", 7171}, options);
  ASSERT_TRUE(announcer.waitAnnounced(5s));
  std::string id = "web-127.0.0.1-7171";
  EXPECT_EQ(announcer.memberPath(), id);
  auto instance = consul_.instance(id);
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->address, "127.0.0.1");
  EXPECT_EQ(instance->port, 7171);
  EXPECT_EQ(instance->tags, std::vector<std::string>{"blue"});
  EXPECT_GE(consul_.deregisterAfter(id), 1min) << "Consul's floor";
  // Ten heartbeats: over three TTLs, and the check never lapsed.
  ASSERT_TRUE(consul_.waitFor([&] { return consul_.requests("pass") >= 10; }, 10s));
  EXPECT_EQ(consul_.criticalTransitions(id), 0);
  EXPECT_EQ(consul_.health(id), "passing");
  Watcher watcher(uri("web?tag=blue"));
  EXPECT_TRUE(watcher.waitForSet({at(7171, 4.0)})) << watcher.history();
}

TEST_F(ConsulDiscovery, AnnouncerRegistersAgainWhenTheAgentForgetsIt) {
  Announcer announcer(uri("web"), {"127.0.0.1", 7181}, announcing());
  ASSERT_TRUE(announcer.waitAnnounced(5s));
  consul_.forgetAgentServices();
  EXPECT_EQ(consul_.health("web-127.0.0.1-7181"), "");
  EXPECT_TRUE(consul_.waitFor(
      [&] {
        return consul_.requests("register") >= 2 &&
               consul_.health("web-127.0.0.1-7181") == "passing";
      },
      5s));
}

TEST_F(ConsulDiscovery, UnannounceDeregistersOnce) {
  Watcher watcher(uri("web"));
  Announcer announcer(uri("web"), {"127.0.0.1", 7191}, announcing());
  ASSERT_TRUE(watcher.waitForSet({at(7191)})) << watcher.history();
  announcer.unannounce();
  EXPECT_EQ(consul_.health("web-127.0.0.1-7191"), "") << "deregistered before unannounce returned";
  EXPECT_EQ(announcer.memberPath(), "");
  EXPECT_TRUE(watcher.waitForSet({})) << watcher.history();
  announcer.unannounce();
  EXPECT_EQ(consul_.requests("deregister"), 1);
}

TEST_F(ConsulDiscovery, UnannounceIsBoundedWhenTheAgentIsAway) {
  Announcer announcer(uri("web"), {"127.0.0.1", 7195}, announcing());
  ASSERT_TRUE(announcer.waitAnnounced(5s));
  consul_.stop();
  auto start = Clock::now();
  announcer.unannounce();
  EXPECT_LT(Clock::now() - start, 1500ms) << "bounded by the session timeout (1 s)";
}

TEST_F(ConsulDiscovery, AnAnnouncerWhoseHeartbeatsStopLeavesThePassingSet) {
  Announcer a(uri("web"), {"127.0.0.1", 7201}, announcing());
  Announcer b(uri("web"), {"127.0.0.1", 7202}, announcing());
  Watcher watcher(uri("web"));
  ASSERT_TRUE(watcher.waitForSet({at(7201), at(7202)})) << watcher.history();
  consul_.dropHeartbeats("web-127.0.0.1-7201");  // a's heartbeats no longer reach Consul
  EXPECT_TRUE(watcher.waitForSet({at(7202)})) << watcher.history();
  EXPECT_EQ(consul_.health("web-127.0.0.1-7201"), "critical");
  consul_.dropHeartbeats("web-127.0.0.1-7201", false);  // and again
  EXPECT_TRUE(watcher.waitForSet({at(7201), at(7202)})) << watcher.history();
}

TEST_F(ConsulDiscovery, AThriftClientReachesServersAnnouncedInConsul) {
  FlakyServer a("a"), b("b");
  Announcer announce_a(uri("flaky"), {"127.0.0.1", a.server.port()}, announcing());
  Announcer announce_b(uri("flaky"), {"127.0.0.1", b.server.port()}, announcing());
  ASSERT_TRUE(announce_a.waitAnnounced(5s));
  ASSERT_TRUE(announce_b.waitAnnounced(5s));
  auto client = flaky::FlakyClient::make(uri("flaky?balancer=round_robin"));
  EXPECT_TRUE(reaches(client, "a"));
  EXPECT_TRUE(reaches(client, "b"));
  announce_a.unannounce();
  EXPECT_TRUE(settlesOn(client, {"b"}));
  // A failing health check takes b out too; a passing one brings it back.
  std::string b_id = announce_b.memberPath();
  ASSERT_NE(b_id, "");
  FlakyServer c("c");
  Announcer announce_c(uri("flaky"), {"127.0.0.1", c.server.port()}, announcing());
  ASSERT_TRUE(announce_c.waitAnnounced(5s));
  EXPECT_TRUE(reaches(client, "c"));
  consul_.dropHeartbeats(b_id);
  EXPECT_TRUE(settlesOn(client, {"c"}));
}

}  // namespace
}  // namespace scales::testing

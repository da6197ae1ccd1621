// SPDX-License-Identifier: Apache-2.0
// zk:// discovery and the announcer against a real ZooKeeper on 127.0.0.1: members coming and
// going, data edits, named endpoints, ZooKeeper restarting and losing every session under load,
// and the clear errors of an unreachable ZooKeeper or an empty serverset.
#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "Flaky.scales.h"
#include "scales/core/errors.h"
#include "scales/discovery/serverset.h"
#include "scales/server/announcer.h"
#include "support/flaky_handler.h"
#include "support/loopback_port.h"
#include "support/traffic.h"
#include "support/zookeeper_server.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;
using server::Announcer;

discovery::Endpoint endpointOf(const FlakyServer& server) {
  return {"127.0.0.1", server.server.port()};
}

class ZkDiscovery : public ::testing::Test {
 protected:
  std::string uri(const std::string& path, const std::string& options = "") {
    return "zk://" + zk_.hosts() + path + "?balancer=round_robin&zk_session_timeout_ms=" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(session_).count()) +
           options;
  }
  server::AnnouncerOptions announcing() {
    server::AnnouncerOptions options;
    options.session_timeout = session_;
    return options;
  }
  // Servers a and b announced at `path`, and a client that has reached both.
  struct TwoAnnounced {
    TwoAnnounced(ZkDiscovery& test, const std::string& path)
        : a("a"),
          b("b"),
          c("c"),
          announce_a(test.uri(path), endpointOf(a), test.announcing()),
          announce_b(test.uri(path), endpointOf(b), test.announcing()),
          announced(announce_a.waitAnnounced(10s) && announce_b.waitAnnounced(10s)),
          client(flaky::FlakyClient::make(test.uri(path))) {}
    bool ready() { return announced && reaches(client, "a") && reaches(client, "b"); }
    FlakyServer a, b, c;  // c: for announcing later
    Announcer announce_a, announce_b;
    bool announced;  // before the client exists, so that its first set has both
    flaky::FlakyClient client;
  };

  ZooKeeperServer zk_;
  // Short, so that expiry tests are quick.
  Duration session_ = 4s;
};

TEST_F(ZkDiscovery, TrafficFollowsAnnouncedMembers) {
  FlakyServer a("a"), b("b"), c("c");
  Announcer announce_a(uri("/services/flaky"), endpointOf(a), announcing());
  Announcer announce_b(uri("/services/flaky"), endpointOf(b), announcing());
  ASSERT_TRUE(announce_a.waitAnnounced(10s));
  ASSERT_TRUE(announce_b.waitAnnounced(10s));
  EXPECT_NE(announce_a.memberPath().find("/services/flaky/member_"), std::string::npos);

  auto client = flaky::FlakyClient::make(uri("/services/flaky"));
  std::map<std::string, int> seen;
  for (int i = 0; i < 20; ++i) ++seen[client.read("k", 0)];
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen["a"], 0);
  EXPECT_GT(seen["b"], 0);

  {
    Announcer announce_c(uri("/services/flaky"), endpointOf(c), announcing());
    ASSERT_TRUE(announce_c.waitAnnounced(10s));
    EXPECT_TRUE(reaches(client, "c"));  // an added member takes traffic
  }                                     // c unannounces: its member is deleted
  EXPECT_TRUE(settlesOn(client, {"a", "b"}));

  announce_a.unannounce();
  EXPECT_TRUE(settlesOn(client, {"b"}));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(client.read("k", 0), "b");
}

TEST_F(ZkDiscovery, MemberDataEditsApplyAndDeadMembersLeave) {
  FlakyServer a("a"), b("b");
  ZkTestClient admin(zk_.hosts());
  auto member_a =
      admin.create("/edit/member_", discovery::serversetMemberJson(endpointOf(a)), ZOO_SEQUENCE);
  admin.create("/edit/member_", discovery::serversetMemberJson(endpointOf(b)), ZOO_SEQUENCE);
  admin.create("/edit/not_a_member", "ignored: no member_ prefix");
  auto client = flaky::FlakyClient::make(uri("/edit"));
  EXPECT_TRUE(reaches(client, "a"));
  EXPECT_TRUE(reaches(client, "b"));

  // a's member now points at b's port: only b answers.
  admin.set(member_a, discovery::serversetMemberJson(endpointOf(b)));
  EXPECT_TRUE(settlesOn(client, {"b"}));
  // ...and back, then marked DEAD: a member that is not ALIVE is no endpoint.
  admin.set(member_a, discovery::serversetMemberJson(endpointOf(a)));
  EXPECT_TRUE(reaches(client, "a"));
  auto dead = discovery::serversetMemberJson(endpointOf(a));
  dead.replace(dead.find("\"ALIVE\""), 7, "\"DEAD\"");
  admin.set(member_a, dead);
  EXPECT_TRUE(settlesOn(client, {"b"}));
}

TEST_F(ZkDiscovery, BangSelectsAnAdditionalEndpoint) {
  FlakyServer thrift("thrift-port");
  uint16_t closed = freeLoopbackPort();  // the service endpoint: nothing listens there
  server::AnnouncerOptions options = announcing();
  options.additional_endpoints["thrift"] = endpointOf(thrift);
  Announcer announce(uri("/named"), discovery::Endpoint{"127.0.0.1", closed}, options);
  ASSERT_TRUE(announce.waitAnnounced(10s));
  auto client = flaky::FlakyClient::make("zk://" + zk_.hosts() + "/named!thrift");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "thrift-port");
  // A name no member has leaves nothing to call, and says why.
  auto missing = flaky::FlakyClient::make("zk://" + zk_.hosts() + "/named!admin?timeout_ms=3000");
  try {
    missing.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("no endpoint 'admin'"), std::string::npos) << e.what();
  }
}

// Steady load from another thread while ZooKeeper misbehaves: no call may fail, because the
// servers never went away, only ZooKeeper did.
class Load {
 public:
  explicit Load(flaky::FlakyClient& client)
      : thread_([this, &client] {
          // Bounded in time, not only asked to stop: a failed assertion returns early.
          for (auto give_up = Clock::now() + 90s; !stop_ && Clock::now() < give_up;) {
            try {
              client.read("k", 0);
            } catch (const std::exception& e) {
              if (failures_++ == 0) first_failure_ = e.what();
            }
            ++calls_;
          }
        }) {}
  ~Load() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Waits (bounded) until `more` further calls have been made.
  bool advance(int more) {
    int target = calls_ + more;
    for (int i = 0; i < 2000 && calls_ < target; ++i) std::this_thread::sleep_for(5ms);
    return calls_ >= target;
  }
  std::atomic<int> calls_{0};
  std::atomic<int> failures_{0};
  std::string first_failure_;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(ZkDiscovery, ZooKeeperRestartUnderLoadFailsNoCall) {
  // Long enough that the outage (a JVM restart, slower still under ASan on a busy machine) ends
  // well within it: this test is about sessions resuming, not expiring.
  session_ = 20s;
  TwoAnnounced setup(*this, "/restart");
  ASSERT_TRUE(setup.ready());
  auto& [a, b, c, announce_a, announce_b, announced, client] = setup;
  auto members_before = announce_a.memberPath();
  {
    Load load(client);
    ASSERT_TRUE(load.advance(200));
    zk_.kill();
    ASSERT_TRUE(load.advance(2000));  // calls go on while ZooKeeper is down
    zk_.start();
    ASSERT_TRUE(load.advance(2000));
    load.finish();
    EXPECT_EQ(load.failures_, 0) << load.first_failure_;
  }
  // Sessions resumed (same data, within the timeout): the members are the same znodes, and the
  // client's watches still work.
  EXPECT_EQ(announce_a.memberPath(), members_before);
  Announcer announce_c(uri("/restart"), endpointOf(c), announcing());
  ASSERT_TRUE(announce_c.waitAnnounced(10s));
  // The client's own session may still be reconnecting (the C client paces its attempts, and
  // under ASan a clean-clone run once needed more than 10 s): its watch fires once it is back.
  EXPECT_TRUE(reaches(client, "c", 30s));
}

TEST_F(ZkDiscovery, SessionExpiryUnderLoadFailsNoCallAndRecovers) {
  TwoAnnounced setup(*this, "/expiry");
  ASSERT_TRUE(setup.ready());
  auto& [a, b, c, announce_a, announce_b, announced, client] = setup;
  {
    Load load(client);
    ASSERT_TRUE(load.advance(200));
    // A ZooKeeper that lost its data knows none of the sessions: every client's session expires,
    // the serverset is gone until the announcers register again in new sessions.
    zk_.start(/*wipe=*/true);
    ZkTestClient admin(zk_.hosts());
    auto registered = [&admin] {
      try {
        return admin.children("/expiry").size();
      } catch (const std::runtime_error&) {
        return size_t{0};  // not re-created yet
      }
    };
    for (auto give_up = Clock::now() + 20s; registered() < 2 && Clock::now() < give_up;) {
      ASSERT_TRUE(load.advance(50));
    }
    EXPECT_EQ(registered(), 2u);  // both announcers registered again, in new sessions
    ASSERT_TRUE(load.advance(2000));
    load.finish();
    EXPECT_EQ(load.failures_, 0) << load.first_failure_;
  }
  // The resolver's new session watches the new serverset.
  Announcer announce_c(uri("/expiry"), endpointOf(c), announcing());
  ASSERT_TRUE(announce_c.waitAnnounced(10s));
  EXPECT_TRUE(reaches(client, "c"));
  announce_a.unannounce();
  EXPECT_TRUE(settlesOn(client, {"b", "c"}));
}

TEST_F(ZkDiscovery, EmptyServersetFailsFastNamingIt) {
  ZkTestClient admin(zk_.hosts());
  admin.create("/empty", "");
  auto client = flaky::FlakyClient::make(uri("/empty", "&timeout_ms=5000"));
  auto start = Clock::now();
  try {
    client.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("serverset /empty on ZooKeeper " + zk_.hosts() +
                                         " has no members"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LT(Clock::now() - start, 2s);
  // A member appears: calls work.
  FlakyServer a("a");
  Announcer announce(uri("/empty"), endpointOf(a), announcing());
  ASSERT_TRUE(announce.waitAnnounced(10s));
  auto give_up = Clock::now() + 10s;
  bool answered = false;
  while (!answered && Clock::now() < give_up) {
    try {
      answered = client.read("k", 0) == "a";
    } catch (const UnavailableError&) {
    }
  }
  EXPECT_TRUE(answered);
}

TEST_F(ZkDiscovery, MalformedMembersAreSkippedAndNamed) {
  FlakyServer a("a");
  ZkTestClient admin(zk_.hosts());
  admin.create("/mixed/member_", "{not json", ZOO_SEQUENCE);
  auto client = flaky::FlakyClient::make(uri("/mixed", "&timeout_ms=5000"));
  try {
    client.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("no usable member (member_0000000000:"), std::string::npos)
        << e.what();
  }
  admin.create("/mixed/member_", discovery::serversetMemberJson(endpointOf(a)), ZOO_SEQUENCE);
  bool answered = false;
  for (auto give_up = Clock::now() + 10s; !answered && Clock::now() < give_up;) {
    try {
      answered = client.read("k", 0) == "a";
    } catch (const UnavailableError&) {
      // until the new member's update arrives
    }
  }
  EXPECT_TRUE(answered);
}

TEST_F(ZkDiscovery, MissingServersetPathIsNamed) {
  auto client = flaky::FlakyClient::make(uri("/nowhere", "&timeout_ms=5000"));
  try {
    client.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("serverset znode /nowhere does not exist"),
              std::string::npos)
        << e.what();
  }
}

TEST(ZkDiscoveryUnreachable, FailsFastOnceTheResolveTimeoutPasses) {
  uint16_t nobody = freeLoopbackPort();
  auto client = flaky::FlakyClient::make("zk://127.0.0.1:" + std::to_string(nobody) +
                                         "/services/x?resolve_timeout_ms=300&timeout_ms=10000");
  auto start = Clock::now();
  try {
    client.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("(unreachable); still trying"), std::string::npos)
        << e.what();
  }
  auto took = Clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);  // the resolve timeout, not the 10 s call timeout
}

TEST(ZkDiscoveryUri, MistakesAreNamed) {
  auto error = [](const std::string& text) -> std::string {
    try {
      flaky::FlakyClient::make(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error("zk:///path").find("needs ZooKeeper hosts"), std::string::npos);
  EXPECT_NE(error("zk://h:1").find("needs a znode path"), std::string::npos);
  EXPECT_NE(error("zk://h:1/a/").find("needs a znode path"), std::string::npos);
  EXPECT_NE(error("zk://h:1/a!").find("empty endpoint name"), std::string::npos);
  EXPECT_NE(error("zk://h:1/a!x#y").find("endpoint named twice"), std::string::npos);
  EXPECT_NE(error("zk://h/a").find("missing ':port'"), std::string::npos);
  EXPECT_THROW(Announcer("tcp://h:1", {"127.0.0.1", 1}), ConfigError);
}

}  // namespace
}  // namespace scales::testing

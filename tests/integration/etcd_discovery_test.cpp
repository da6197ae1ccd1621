// SPDX-License-Identifier: Apache-2.0
// etcd:// discovery and the etcd announcer against real etcd on 127.0.0.1 (one member, or a
// cluster of three): the three value formats, edits and deletions by watch, recovery after a
// compaction, a member killed under load with no failed call, an announcer's lease kept, lost
// and revoked, and one whose process dies leaving the set when its lease runs out.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "Flaky.scales.h"
#include "scales/core/errors.h"
#include "scales/core/runtime.h"
#include "scales/discovery/resolver.h"
#include "scales/discovery/serverset.h"
#include "scales/server/announcer.h"
#include "support/child_process.h"
#include "support/etcd_cluster.h"
#include "support/flaky_handler.h"
#include "support/loopback_port.h"
#include "support/traffic.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;
using discovery::Endpoint;
using server::Announcer;

discovery::Endpoint endpointOf(const FlakyServer& server) {
  return {"127.0.0.1", server.server.port()};
}

std::vector<Endpoint> sorted(std::vector<Endpoint> endpoints) {
  std::sort(endpoints.begin(), endpoints.end());
  return endpoints;
}

// An etcd:// resolver on its own loop, and every update it delivered.
class WatchedResolver {
 public:
  explicit WatchedResolver(const std::string& uri, discovery::ResolverOptions options = {}) {
    resolver_ = discovery::makeResolver(discovery::parseUri(uri), loop_.executor(), options);
    boost::asio::post(loop_.executor(), [this] {
      resolver_->start([this](const discovery::ResolverUpdate& update) {
        std::lock_guard lock(mutex_);
        updates_.push_back(update);
        changed_.notify_all();
      });
    });
  }
  ~WatchedResolver() {
    std::promise<void> stopped;
    boost::asio::post(loop_.executor(), [&] {
      resolver_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    loop_.stop();
  }

  // Waits until the latest set (not an error) is `expected`, in any order.
  bool waitForSet(const std::vector<Endpoint>& expected, Duration within = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [&] {
      auto latest = latestSetLocked();
      return latest && sorted(latest->endpoints) == sorted(expected);
    });
  }
  // Waits until a set (not an error) among the updates after the first `after` is `expected`.
  bool waitForSetAfter(size_t after, const std::vector<Endpoint>& expected, Duration within = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [&] {
      for (size_t i = after; i < updates_.size(); ++i) {
        if (updates_[i].error.empty() && sorted(updates_[i].endpoints) == sorted(expected)) {
          return true;
        }
      }
      return false;
    });
  }
  // Waits until an error update arrives after the first `after` updates.
  bool waitForError(size_t after, Duration within = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [&] {
      for (size_t i = after; i < updates_.size(); ++i) {
        if (!updates_[i].error.empty()) return true;
      }
      return false;
    });
  }
  discovery::ResolverUpdate latestSet() {
    std::lock_guard lock(mutex_);
    auto latest = latestSetLocked();
    return latest ? *latest : discovery::ResolverUpdate{};
  }
  size_t count() {
    std::lock_guard lock(mutex_);
    return updates_.size();
  }
  std::string errors() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& u : updates_) {
      if (!u.error.empty()) out += "[" + u.error + "] ";
    }
    return out;
  }

 private:
  const discovery::ResolverUpdate* latestSetLocked() const {
    for (auto it = updates_.rbegin(); it != updates_.rend(); ++it) {
      if (it->error.empty()) return &*it;
    }
    return nullptr;
  }

  Runtime loop_{1};
  std::unique_ptr<discovery::Resolver> resolver_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<discovery::ResolverUpdate> updates_;
};

server::AnnouncerOptions leaseOf(Duration ttl) {
  server::AnnouncerOptions options;
  options.session_timeout = ttl;
  return options;
}

class EtcdDiscovery : public ::testing::Test {
 protected:
  std::string uri(const std::string& prefix, const std::string& options = "") {
    return "etcd://" + etcd_.hosts() + prefix + options;
  }
  EtcdTestCluster etcd_{1};
};

TEST_F(EtcdDiscovery, ReadsEveryValueFormatThenFollowsEditsAndDeletions) {
  etcd_.put("/svc/plain", "127.0.0.1:7001");
  etcd_.put("/svc/weighted", "127.0.0.1:7002 2.5");
  etcd_.put("/svc/serverset", discovery::serversetMemberJson({"127.0.0.1", 7003}));
  etcd_.put("/svc/endpoint", R"({"Op":0,"Addr":"127.0.0.1:7004","Metadata":{"weight":3}})");
  etcd_.put("/svc/deleted-record", R"({"Op":1,"Addr":"127.0.0.1:7009"})");
  etcd_.put("/svc2/outside", "127.0.0.1:7999");  // shares the text, not the prefix
  WatchedResolver resolver(uri("/svc"));
  ASSERT_TRUE(resolver.waitForSet({{"127.0.0.1", 7001},
                                   {"127.0.0.1", 7002, 2.5},
                                   {"127.0.0.1", 7003},
                                   {"127.0.0.1", 7004, 3.0}}))
      << resolver.errors();

  etcd_.put("/svc/plain", "127.0.0.1:7005");  // an edit
  etcd_.remove("/svc/serverset");             // a deletion
  etcd_.put("/svc/deeper/still", "127.0.0.1:7006");
  EXPECT_TRUE(resolver.waitForSet({{"127.0.0.1", 7005},
                                   {"127.0.0.1", 7002, 2.5},
                                   {"127.0.0.1", 7004, 3.0},
                                   {"127.0.0.1", 7006}}))
      << resolver.errors();
}

TEST_F(EtcdDiscovery, MalformedValuesAreNamedAndSkipped) {
  etcd_.put("/bad/good", "127.0.0.1:7001");
  etcd_.put("/bad/noport", "127.0.0.1");
  etcd_.put("/bad/json", R"({"serviceEndpoint": {"host": "x", "port": 70000}})");
  WatchedResolver resolver(uri("/bad"));
  ASSERT_TRUE(resolver.waitForSet({{"127.0.0.1", 7001}})) << resolver.errors();

  etcd_.remove("/bad/good");
  ASSERT_TRUE(resolver.waitForSet({}));
  auto detail = resolver.latestSet().detail;
  EXPECT_NE(detail.find("/bad/noport"), std::string::npos) << detail;
  EXPECT_NE(detail.find("out of range"), std::string::npos) << detail;
}

TEST_F(EtcdDiscovery, EmptyPrefixSaysWhyAndUnreachableEtcdKeepsTrying) {
  WatchedResolver empty(uri("/nothing-here"));
  ASSERT_TRUE(empty.waitForSet({}));
  EXPECT_NE(empty.latestSet().detail.find("has no keys"), std::string::npos);

  discovery::ResolverOptions options;
  options.resolve_timeout = 300ms;
  WatchedResolver unreachable("etcd://127.0.0.1:" + std::to_string(freeLoopbackPort()) + "/svc",
                              options);
  ASSERT_TRUE(unreachable.waitForError(0, 5s));
  EXPECT_NE(unreachable.errors().find("still trying"), std::string::npos) << unreachable.errors();
}

TEST_F(EtcdDiscovery, UriMistakesAreConfigErrors) {
  boost::asio::io_context io;
  for (const char* bad : {"etcd://127.0.0.1:2379", "etcd://127.0.0.1:2379/", "etcd://host/svc",
                          "etcd://127.0.0.1:2379/svc!"}) {
    EXPECT_THROW(discovery::makeResolver(discovery::parseUri(bad), io.get_executor()), ConfigError)
        << bad;
  }
  EXPECT_THROW(Announcer("etcd://127.0.0.1:2379/svc!http", {"127.0.0.1", 1}), ConfigError);
}

TEST_F(EtcdDiscovery, BangSelectsAServersetsAdditionalEndpoint) {
  std::map<std::string, Endpoint> named{{"admin", {"127.0.0.1", 8001}}};
  etcd_.put("/named/a", discovery::serversetMemberJson({"127.0.0.1", 7001}, 0, named));
  etcd_.put("/named/b", "127.0.0.1:7002");  // host:port has no named endpoints
  WatchedResolver resolver(uri("/named!admin"));
  EXPECT_TRUE(resolver.waitForSet({{"127.0.0.1", 8001}})) << resolver.errors();
}

TEST_F(EtcdDiscovery, ACompactionPastTheWatchIsRecoveredByReadingAgain) {
  // Three members; the resolver knows only member 0, so that while it is down the resolver
  // cannot follow, and the cluster moves on and compacts without it.
  EtcdTestCluster cluster(3);
  cluster.put("/compact/a", "127.0.0.1:7001");
  WatchedResolver resolver("etcd://" + cluster.member(0) + "/compact");
  ASSERT_TRUE(resolver.waitForSet({{"127.0.0.1", 7001}})) << resolver.errors();

  cluster.kill(0);
  size_t before = resolver.count();
  ASSERT_TRUE(resolver.waitForError(before)) << "a broken watch with no member left is reported";
  cluster.put("/compact/b", "127.0.0.1:7002");
  cluster.remove("/compact/a");
  cluster.put("/compact/c", "127.0.0.1:7003");
  cluster.compact(cluster.revision());
  // The last good set stands while etcd is unreachable.
  EXPECT_EQ(sorted(resolver.latestSet().endpoints), (std::vector<Endpoint>{{"127.0.0.1", 7001}}));

  cluster.start(0);
  EXPECT_TRUE(resolver.waitForSet({{"127.0.0.1", 7002}, {"127.0.0.1", 7003}}, 30s))
      << resolver.errors();
}

TEST_F(EtcdDiscovery, AnnouncerKeepsItsLeaseAlive) {
  FlakyServer a("a");
  auto ttl = 2s;
  Announcer announce(uri("/leased"), endpointOf(a), leaseOf(ttl));
  ASSERT_TRUE(announce.waitAnnounced(10s));
  auto key = announce.memberPath();
  EXPECT_EQ(key.rfind("/leased/member_", 0), 0u) << key;
  WatchedResolver resolver(uri("/leased"));
  ASSERT_TRUE(resolver.waitForSet({endpointOf(a)})) << resolver.errors();
  size_t before = resolver.count();
  auto keepalives_before = etcd_.startedCalls("LeaseKeepAlive");

  // Three lease TTLs later the key is still there, never gone in between: the keepalives work.
  auto until = Clock::now() + 3 * ttl;
  while (Clock::now() < until) {
    ASSERT_EQ(etcd_.keys("/leased/"), std::vector<std::string>{key});
    std::this_thread::sleep_for(500ms);  // sampling over a span of time is the point here
  }
  EXPECT_FALSE(resolver.waitForSetAfter(before, {}, 0s)) << "the key went away for a while";
  EXPECT_EQ(announce.memberPath(), key);
  // One keepalive per third of the TTL: about 9 in 6 s; not a storm, not too few.
  auto keepalives = etcd_.startedCalls("LeaseKeepAlive") - keepalives_before;
  EXPECT_GE(keepalives, 6);
  EXPECT_LE(keepalives, 14);
}

TEST_F(EtcdDiscovery, UnannounceRevokesTheLeaseAtOnce) {
  FlakyServer a("a");
  auto ttl = 20s;  // far longer than the bound below: only a revoke can remove the key in time
  Announcer announce(uri("/unannounced"), endpointOf(a), leaseOf(ttl));
  ASSERT_TRUE(announce.waitAnnounced(10s));
  WatchedResolver resolver(uri("/unannounced"));
  ASSERT_TRUE(resolver.waitForSet({endpointOf(a)})) << resolver.errors();

  auto started = Clock::now();
  announce.unannounce();
  EXPECT_EQ(announce.memberPath(), "");
  ASSERT_TRUE(resolver.waitForSet({}, 5s)) << "the key outlived unannounce()";
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_TRUE(etcd_.keys("/unannounced/").empty());
}

TEST_F(EtcdDiscovery, AnnouncerPutsItselfBackWhenItsLeaseIsRevokedUnderIt) {
  FlakyServer a("a");
  Announcer announce(uri("/revoked"), endpointOf(a), leaseOf(2s));
  ASSERT_TRUE(announce.waitAnnounced(10s));
  auto first = announce.memberPath();
  WatchedResolver resolver(uri("/revoked"));
  ASSERT_TRUE(resolver.waitForSet({endpointOf(a)})) << resolver.errors();

  size_t before = resolver.count();
  etcd_.revokeLease(first);  // as an operator, or an expiry while cut off, would
  // The set empties (and may have filled again by the time this looks).
  ASSERT_TRUE(resolver.waitForSetAfter(before, {}, 10s));
  ASSERT_TRUE(resolver.waitForSet({endpointOf(a)}, 10s)) << "not announced again";
  // The announcer learns its put landed just after watchers may have seen it.
  ASSERT_TRUE(announce.waitAnnounced(10s));
  auto second = announce.memberPath();
  EXPECT_NE(second, first) << "a new lease, a new key";
  EXPECT_EQ(etcd_.keys("/revoked/"), std::vector<std::string>{second});
}

TEST_F(EtcdDiscovery, AnnouncedProcessThatDiesLeavesWhenItsLeaseRunsOut) {
  ChildProcess backend({FLAKY_BACKEND, "0", "doomed", uri("/doomed"), "2000"});  // a 2 s lease
  auto listening = backend.readLine(30s);
  ASSERT_TRUE(listening && listening->rfind("listening ", 0) == 0) << listening.value_or("");
  auto port = static_cast<uint16_t>(std::stoi(listening->substr(10)));
  auto announced = backend.readLine(30s);
  ASSERT_TRUE(announced && announced->rfind("announced /doomed/member_", 0) == 0)
      << announced.value_or("");
  WatchedResolver resolver(uri("/doomed"));
  ASSERT_TRUE(resolver.waitForSet({{"127.0.0.1", port}})) << resolver.errors();

  backend.kill();  // no unannounce: only the lease's expiry removes it
  auto killed = Clock::now();
  ASSERT_TRUE(resolver.waitForSet({}, 15s)) << "the key outlived its lease";
  EXPECT_GE(Clock::now() - killed, 1s) << "gone before the lease could have run out";
}

// Three members; servers announced through all of them; a client calling without pause while the
// member its resolver and both announcers started on is killed. Not one call may fail, and a
// server announced after the kill must get traffic (the watch moved to a live member).
TEST(EtcdCluster, AMemberKilledUnderLoadFailsNoCallAndTheWatchCarriesOn) {
  EtcdTestCluster cluster(3);
  std::string prefix = "/fleet";
  std::string uri = "etcd://" + cluster.hosts() + prefix;
  FlakyServer a("a"), b("b"), c("c");
  Announcer announce_a(uri, endpointOf(a), leaseOf(3s));
  Announcer announce_b(uri, endpointOf(b), leaseOf(3s));
  ASSERT_TRUE(announce_a.waitAnnounced(10s) && announce_b.waitAnnounced(10s));
  auto client = flaky::FlakyClient::make(uri + "?balancer=round_robin");
  ASSERT_TRUE(reaches(client, "a") && reaches(client, "b"));

  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::string first_failure;
  std::thread load([&] {
    auto give_up = Clock::now() + 60s;  // a bound, should the test's own end never come
    while (!stop && Clock::now() < give_up) {
      try {
        client.read("k", 0);
        ++calls;
      } catch (const std::exception& e) {
        if (failures++ == 0) first_failure = e.what();
      }
    }
  });
  auto wait_calls = [&](int more) {
    int target = calls + more;
    for (auto give_up = Clock::now() + 10s; calls < target && Clock::now() < give_up;) {
      std::this_thread::sleep_for(1ms);  // a bounded poll of a counter: leave the cores to etcd
    }
    return calls >= target;
  };
  ASSERT_TRUE(wait_calls(200));
  cluster.kill(0);
  // Calls go on for longer than a lease: the announcers' keepalives must move to live members,
  // or the set would lose a and b. (A span of time is the point here, not a stand-in for an
  // event.)
  auto lease_passed = Clock::now() + 4s;
  while (Clock::now() < lease_passed) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(wait_calls(200));
  Announcer announce_c(uri, endpointOf(c), leaseOf(3s));
  ASSERT_TRUE(announce_c.waitAnnounced(10s));
  bool c_reached = false;
  std::set<std::string> answered;
  for (auto give_up = Clock::now() + 10s; Clock::now() < give_up && answered.size() < 3;) {
    answered.insert(client.read("k", 0));
    c_reached = answered.count("c") > 0;
  }
  stop = true;
  load.join();
  EXPECT_TRUE(c_reached) << "a server announced after the kill got no traffic";
  EXPECT_EQ(answered, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(failures, 0) << "of " << calls << " calls; first: " << first_failure;
  std::cout << "calls " << calls << ", failed " << failures << "\n";
  EXPECT_GT(calls, 400);
}

}  // namespace
}  // namespace scales::testing

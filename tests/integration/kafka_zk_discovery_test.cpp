// SPDX-License-Identifier: Apache-2.0
// kafka+zk:// against a real ZooKeeper holding broker znodes as Kafka writes them, pointing at
// librdkafka's mock cluster (in this process, on 127.0.0.1): a producer bootstrapped from them
// writes records a real consumer reads back; brokers registered, edited and removed live;
// listener selection; malformed registrations reported naming the broker. And the producer's
// periodic metadata refresh (metadata_max_age_ms), seen in where records land.
#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/kafka/producer.h"
#include "support/kafka_mock.h"
#include "support/loopback_port.h"
#include "support/zookeeper_server.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using discovery::Endpoint;
using kafka::Record;

// The registration JSON of Kafka 2.x+ (version 5) for listeners like "PLAINTEXT://h:p".
std::string brokerJson(const std::vector<std::string>& endpoints, const std::string& host = "",
                       int port = -1) {
  std::string list, map;
  for (const auto& endpoint : endpoints) {
    auto name = endpoint.substr(0, endpoint.find("://"));
    list += (list.empty() ? "\"" : ",\"") + endpoint + "\"";
    map += (map.empty() ? "\"" : ",\"") + name + "\":\"PLAINTEXT\"";
  }
  return R"({"listener_security_protocol_map":{)" + map + R"(},"endpoints":[)" + list +
         R"(],"jmx_port":-1,"features":{},"host":)" +
         (host.empty() ? std::string("null") : "\"" + host + "\"") +
         R"(,"timestamp":"1700000000000","port":)" + std::to_string(port) + R"(,"version":5})";
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

std::vector<Endpoint> sorted(std::vector<Endpoint> endpoints) {
  std::sort(endpoints.begin(), endpoints.end());
  return endpoints;
}

// One resolver on its own thread's io_context, and the updates it delivered.
class Watched {
 public:
  explicit Watched(const std::string& uri) {
    discovery::ResolverOptions options;
    options.resolve_timeout = 3s;
    resolver_ = discovery::makeResolver(discovery::parseUri(uri), io_.get_executor(), options);
    resolver_->start([this](const discovery::ResolverUpdate& update) {
      std::lock_guard lock(mutex_);
      updates_.push_back(update);
      changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Watched() {
    std::promise<void> stopped;
    asio::post(io_, [&] {
      resolver_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Waits (bounded) for a delivered set equal to `expected`; the last update seen otherwise.
  ::testing::AssertionResult delivers(std::vector<Endpoint> expected, Duration within = 10s) {
    std::unique_lock lock(mutex_);
    expected = sorted(std::move(expected));
    bool seen = changed_.wait_for(lock, within, [&] {
      return !updates_.empty() && updates_.back().error.empty() &&
             sorted(updates_.back().endpoints) == expected;
    });
    if (seen) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure() << "last update: ";
    if (updates_.empty()) return failure << "none";
    for (const auto& e : updates_.back().endpoints) failure << e.address() << " ";
    return failure << "error '" << updates_.back().error << "' detail '" << updates_.back().detail
                   << "'";
  }
  // Waits (bounded) for an empty set and returns its detail ("" if none came).
  std::string emptyDetail(Duration within = 10s) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, within, [&] {
      return !updates_.empty() && updates_.back().error.empty() &&
             updates_.back().endpoints.empty();
    });
    return updates_.empty() ? "" : updates_.back().detail;
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<discovery::Resolver> resolver_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<discovery::ResolverUpdate> updates_;
  std::thread thread_;
};

// One ZooKeeper for the suite (a JVM takes seconds to start); each test uses its own chroot.
class KafkaZk : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);  // as the runtime's sessions set it
    zk_ = new ZooKeeperServer();
  }
  static void TearDownTestSuite() {
    delete zk_;
    zk_ = nullptr;
  }
  void SetUp() override {
    admin_ = std::make_unique<ZkTestClient>(zk_->hosts());
    static int runs = 0;  // --gtest_repeat: a fresh chroot each time
    chroot_ = "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
              "-" + std::to_string(++runs);
    admin_->create(chroot_ + "/brokers/ids", "");  // as a Kafka cluster that has started once
  }
  std::string ids() const { return chroot_ + "/brokers/ids"; }
  std::string uri(const std::string& tail = "") const {
    return "kafka+zk://" + zk_->hosts() + chroot_ + tail;
  }
  // Registers the mock cluster's brokers 1..n as Kafka would (ephemeral znodes are the test
  // client's here; persistent is enough: the test removes them itself).
  void registerMock(const KafkaMockCluster& cluster) {
    auto addresses = split(cluster.bootstraps());
    for (size_t i = 0; i < addresses.size(); ++i) {
      admin_->create(
          ids() + "/" + std::to_string(i + 1),
          brokerJson({"PLAINTEXT://" + addresses[i]}, "127.0.0.1", portOf(addresses[i])));
    }
  }

  static inline ZooKeeperServer* zk_ = nullptr;
  std::unique_ptr<ZkTestClient> admin_;
  std::string chroot_;
};

TEST_F(KafkaZk, ProducerBootstrapsFromTheBrokersRegisteredInZooKeeper) {
  KafkaMockCluster cluster(3);
  cluster.createTopic("zk-events", 3);
  registerMock(cluster);
  auto producer = kafka::Producer::make(uri());
  std::vector<Record> sent;
  for (int i = 0; i < 90; ++i) sent.push_back(Record{std::nullopt, "v" + std::to_string(i), -1});
  auto acks = producer->put("zk-events", sent);
  ASSERT_EQ(acks.size(), sent.size());
  auto consumed = cluster.consume("zk-events", 3, sent.size(), 20s);
  ASSERT_EQ(consumed.size(), sent.size());
  std::map<std::pair<int32_t, int64_t>, std::string> at;
  for (const auto& record : consumed) at[{record.partition, record.offset}] = record.value;
  for (size_t i = 0; i < sent.size(); ++i) {
    std::pair<int32_t, int64_t> where{acks[i].partition, acks[i].offset};
    EXPECT_EQ(at[where], sent[i].value) << "record " << i;
  }
}

TEST_F(KafkaZk, BrokersRegisteredEditedAndRemovedApplyLive) {
  Watched watched(uri());
  // A cluster that has started once but has no live broker: an empty set that says so.
  auto detail = watched.emptyDetail();
  EXPECT_EQ(detail,
            "Kafka broker list " + ids() + " on ZooKeeper " + zk_->hosts() + " has no brokers");
  admin_->create(ids() + "/1", brokerJson({"PLAINTEXT://127.0.0.1:9101"}, "127.0.0.1", 9101));
  EXPECT_TRUE(watched.delivers({{"127.0.0.1", 9101}}));
  admin_->create(ids() + "/2", brokerJson({"PLAINTEXT://127.0.0.1:9102"}, "127.0.0.1", 9102));
  admin_->create(ids() + "/not-a-broker", "ignored: not a numeric id");
  EXPECT_TRUE(watched.delivers({{"127.0.0.1", 9101}, {"127.0.0.1", 9102}}));
  admin_->set(ids() + "/2", brokerJson({"PLAINTEXT://127.0.0.1:9112"}, "127.0.0.1", 9112));
  EXPECT_TRUE(watched.delivers({{"127.0.0.1", 9101}, {"127.0.0.1", 9112}}));
  admin_->remove(ids() + "/1");
  EXPECT_TRUE(watched.delivers({{"127.0.0.1", 9112}}));
}

TEST_F(KafkaZk, ProducerFollowsBrokersComingAndGoing) {
  KafkaMockCluster cluster(1);
  cluster.createTopic("first", 1);
  cluster.createTopic("second", 1);
  // No broker registered yet: puts fail fast, naming the empty broker list.
  auto producer = kafka::Producer::make(uri("?timeout_ms=2000&resolve_timeout_ms=1000"));
  try {
    producer->put("first", std::vector<std::string>{"early"});
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("has no brokers"), std::string::npos) << e.what();
  }
  registerMock(cluster);
  std::vector<kafka::Ack> acks;
  for (auto give_up = Clock::now() + 10s; acks.empty() && Clock::now() < give_up;) {
    try {
      acks = producer->put("first", std::vector<std::string>{"after-registration"});
    } catch (const UnavailableError&) {  // until the registration is delivered
    }
  }
  ASSERT_EQ(acks.size(), 1u) << "no put succeeded within 10 s of the broker registering";
  // The broker deregisters: metadata for a topic not known yet has nowhere to come from. (Each
  // try names a new topic: one learned before the removal arrived would need no metadata.)
  admin_->remove(ids() + "/1");
  bool refused = false;
  auto give_up = Clock::now() + 10s;
  for (int n = 0; !refused && Clock::now() < give_up; ++n) {
    try {
      producer->put("after-removal-" + std::to_string(n), std::vector<std::string>{"x"});
    } catch (const UnavailableError& e) {
      refused = std::string(e.what()).find("has no brokers") != std::string::npos;
    } catch (const Error&) {  // e.g. the topic does not exist on the still-known broker
    }
  }
  EXPECT_TRUE(refused) << "the deregistered broker was still used for metadata";
  auto consumed = cluster.consume("first", 1, 1, 20s);
  ASSERT_EQ(consumed.size(), 1u);
  EXPECT_EQ(consumed[0].value, "after-registration");
}

TEST_F(KafkaZk, ListenerSelection) {
  KafkaMockCluster cluster(1);
  cluster.createTopic("listeners", 1);
  auto real = cluster.bootstraps();
  uint16_t closed = freeLoopbackPort();  // nothing listens there
  // The mock broker is reachable only through the listener named INTERNAL.
  admin_->create(ids() + "/1", brokerJson({"PLAINTEXT://127.0.0.1:" + std::to_string(closed),
                                           "INTERNAL://" + real},
                                          "127.0.0.1", closed));
  // A legacy registration (Kafka 0.9: no endpoints) with only host and port.
  admin_->create(ids() + "/2", R"({"jmx_port":-1,"host":"127.0.0.1","port":9202,"version":1})");
  {
    Watched plaintext(uri());  // the default: PLAINTEXT, else the legacy fields
    EXPECT_TRUE(plaintext.delivers({{"127.0.0.1", closed}, {"127.0.0.1", 9202}}));
    Watched internal(uri("!internal"));  // names are case-insensitive, as in Kafka
    EXPECT_TRUE(internal.delivers({{"127.0.0.1", portOf(real)}}));
  }
  admin_->remove(ids() + "/2");
  auto producer = kafka::Producer::make(uri("!INTERNAL"));
  auto acks = producer->put("listeners", std::vector<std::string>{"via-internal"});
  ASSERT_EQ(acks.size(), 1u);
  auto consumed = cluster.consume("listeners", 1, 1, 20s);
  ASSERT_EQ(consumed.size(), 1u);
  EXPECT_EQ(consumed[0].value, "via-internal");
}

TEST_F(KafkaZk, MalformedRegistrationsAreReportedNamingTheBroker) {
  admin_->create(ids() + "/7", "{\"endpoints\":[\"PLAINTEXT://127.0.0.1:9092\"");  // cut short
  admin_->create(ids() + "/8", brokerJson({"PLAINTEXT://127.0.0.1:70000"}));
  admin_->create(ids() + "/9", brokerJson({"SSL://127.0.0.1:9093"}));
  Watched watched(uri());
  auto detail = watched.emptyDetail();
  EXPECT_NE(detail.find("has no usable broker ("), std::string::npos) << detail;
  EXPECT_NE(detail.find("broker 7: broker JSON does not parse"), std::string::npos) << detail;
  EXPECT_NE(detail.find("broker 8: endpoint 'PLAINTEXT://127.0.0.1:70000' has port '70000', "
                        "not a number from 1 to 65535"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("broker 9: no PLAINTEXT listener and no host/port (endpoints: "
                        "SSL://127.0.0.1:9093)"),
            std::string::npos)
      << detail;
  // A good broker beside them is used; the malformed ones are left out.
  admin_->create(ids() + "/10", brokerJson({"PLAINTEXT://127.0.0.1:9110"}));
  EXPECT_TRUE(watched.delivers({{"127.0.0.1", 9110}}));
  // Calls through a client see why the set is empty.
  admin_->remove(ids() + "/10");
  auto producer = kafka::Producer::make(uri("?timeout_ms=3000"));
  try {
    producer->put("t", std::vector<std::string>{"x"});
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("broker 7: broker JSON does not parse"), std::string::npos)
        << e.what();
  }
}

// Metadata refresh needs no ZooKeeper: the mock cluster's own bootstrap list.
TEST(KafkaMetadataRefresh, ALeaderThatAppearsIsUsedWithoutAFailedCall) {
  KafkaMockCluster cluster(2);
  cluster.createTopic("growing", 2);
  cluster.setLeader("growing", 0, 1);
  cluster.setLeader("growing", 1, -1);  // no leader: producers leave partition 1 alone
  // max_attempts=1: a put sent on stale metadata would fail instead of being retried quietly.
  auto fresh = kafka::Producer::make("tcp://" + cluster.bootstraps() +
                                     "?metadata_max_age_ms=200&max_attempts=1");
  auto stale = kafka::Producer::make("tcp://" + cluster.bootstraps() + "?max_attempts=1");
  for (auto* producer : {fresh.get(), stale.get()}) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(producer->put("growing", std::vector<std::string>{"before"}).at(0).partition, 0);
    }
  }
  // Partition 1 gets a leader. Only Metadata says so: nothing the producers send fails on it.
  cluster.setLeader("growing", 1, 2);
  auto changed = Clock::now();
  std::map<int32_t, int> fresh_seen, stale_seen;
  for (auto give_up = changed + 10s; fresh_seen[1] == 0 && Clock::now() < give_up;) {
    ASSERT_NO_THROW(
        ++fresh_seen[fresh->put("growing", std::vector<std::string>{"f"}).at(0).partition]);
    ASSERT_NO_THROW(
        ++stale_seen[stale->put("growing", std::vector<std::string>{"s"}).at(0).partition]);
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - changed);
  ASSERT_GT(fresh_seen[1], 0) << "metadata_max_age_ms=200: partition 1's leader unused after 10 s";
  EXPECT_LT(took, 2s) << "a 200 ms max age took " << took.count() << " ms";
  // The default (5 min) has not refreshed yet: the same puts all stayed on partition 0.
  EXPECT_EQ(stale_seen[1], 0);
  EXPECT_GT(stale_seen[0], 0);
  std::cout << "[ measured ] partition 1 used " << took.count() << " ms after its leader came\n";
  // And the records are there, where acknowledged.
  auto consumed = cluster.consume("growing", 2,
                                  8 + static_cast<size_t>(fresh_seen[0] + 1 + stale_seen[0]), 20s);
  int on_one = 0;
  for (const auto& record : consumed) on_one += record.partition == 1;
  EXPECT_EQ(on_one, 1);
}

TEST(KafkaMetadataRefresh, MaxAgeIsValidated) {
  KafkaMockCluster cluster(1);
  EXPECT_THROW(kafka::Producer::make("tcp://" + cluster.bootstraps() + "?metadata_max_age_ms=0"),
               ConfigError);
  EXPECT_THROW(kafka::Producer::make("tcp://" + cluster.bootstraps() + "?metadata_max_age_ms=x"),
               ConfigError);
}

}  // namespace
}  // namespace scales::testing

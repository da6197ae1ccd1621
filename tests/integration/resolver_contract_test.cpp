// SPDX-License-Identifier: Apache-2.0
// The Resolver contract (scales/discovery/resolver.h), run against every registered scheme, each
// served for real on loopback (a temp file, dnsmasq, ZooKeeper, the fake:// table): a malformed
// URI is a ConfigError at construction; start() never calls the listener inline; the first
// update comes on the executor with the served set; a scheme that follows changes delivers the
// new whole set; after stop() returns no listener call starts. A scheme registered without a
// recipe here fails the suite, naming it.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/discovery/serverset.h"
#include "support/consul_server.h"
#include "support/dns_server.h"
#include "support/etcd_cluster.h"
#include "support/fake_resolver.h"
#include "support/zookeeper_server.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using discovery::Endpoint;
using discovery::Resolver;
using discovery::ResolverUpdate;

// How long a first resolution or a change may take before the case fails.
constexpr auto kWait = 4s;

std::vector<Endpoint> sorted(std::vector<Endpoint> endpoints) {
  std::sort(endpoints.begin(), endpoints.end());
  return endpoints;
}

std::string show(const std::vector<Endpoint>& endpoints) {
  std::string out = "{";
  for (const auto& e : endpoints) {
    out += (out.size() > 1 ? ", " : "") + e.address() + " w" + std::to_string(e.weight) + " p" +
           std::to_string(e.priority);
  }
  return out + "}";
}

// A unique suffix per served case, so that cases never see each other's names, files or znodes.
std::string unique() {
  static std::atomic<int> next{0};
  return std::to_string(::getpid()) + "-" + std::to_string(++next);
}

// One ZooKeeper for the whole suite (a JVM takes seconds to start), started by the first zk://
// case that runs and stopped after the last test.
class SharedZooKeeper : public ::testing::Environment {
 public:
  static ZooKeeperServer& get() {
    if (!server_) server_ = std::make_unique<ZooKeeperServer>();
    return *server_;
  }
  void TearDown() override { server_.reset(); }

 private:
  static inline std::unique_ptr<ZooKeeperServer> server_;
};
[[maybe_unused]] auto* const zookeeper_environment =
    ::testing::AddGlobalTestEnvironment(new SharedZooKeeper);

// What a recipe serves for one case: a URI of its scheme, the options it needs, the set the URI
// resolves to, and for schemes that follow changes, a way to change the served set.
struct Served {
  std::string uri;
  discovery::ResolverOptions options;
  std::vector<Endpoint> expected;
  // Changes what is served and returns the new set; empty for schemes that resolve once.
  std::function<std::vector<Endpoint>()> change;
  // The servers, files and clients behind it, released with it.
  std::vector<std::shared_ptr<void>> resources;
};

struct Recipe {
  std::string malformed;  // parses as a URI, but the scheme must refuse it
  std::function<std::unique_ptr<Served>()> serve;
};

// A temporary directory removed with the case.
struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("scales-resolver-contract-" + unique())) {
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

// Writes the whole file at once (write, then rename), as a deploy tool would.
void writeAtomically(const fs::path& path, const std::string& text) {
  auto temporary = path;
  temporary += ".new";
  std::ofstream(temporary) << text;
  fs::rename(temporary, path);
}

std::unique_ptr<Served> serveTcp() {
  auto s = std::make_unique<Served>();
  s->uri = "tcp://127.0.0.1:7001,127.0.0.1:7002";
  s->expected = {{"127.0.0.1", 7001}, {"127.0.0.1", 7002}};
  return s;
}

std::unique_ptr<Served> serveInet() {
  auto s = std::make_unique<Served>();
  s->uri = "inet://127.0.0.1:7003";
  s->expected = {{"127.0.0.1", 7003}};
  return s;
}

std::unique_ptr<Served> serveFile() {
  auto s = std::make_unique<Served>();
  auto dir = std::make_shared<TempDir>();
  auto file = dir->path / "endpoints";
  writeAtomically(file, "# contract\n127.0.0.1:7004\n127.0.0.1:7005 2.5\n");
  s->uri = "file://" + file.string();
  s->expected = {{"127.0.0.1", 7004}, {"127.0.0.1", 7005, 2.5}};
  s->change = [file] {
    writeAtomically(file, "127.0.0.1:7006\n");
    return std::vector<Endpoint>{{"127.0.0.1", 7006}};
  };
  s->resources.push_back(dir);
  return s;
}

// One etcd for the whole suite, started by the first etcd:// case, as ZooKeeper above.
class SharedEtcd : public ::testing::Environment {
 public:
  static EtcdTestCluster& get() {
    if (!cluster_) cluster_ = std::make_unique<EtcdTestCluster>(1);
    return *cluster_;
  }
  void TearDown() override { cluster_.reset(); }

 private:
  static inline std::unique_ptr<EtcdTestCluster> cluster_;
};
[[maybe_unused]] auto* const etcd_environment = ::testing::AddGlobalTestEnvironment(new SharedEtcd);

std::unique_ptr<Served> serveEtcd() {
  auto s = std::make_unique<Served>();
  auto& etcd = SharedEtcd::get();
  std::string prefix = "/contract/" + unique();
  etcd.put(prefix + "/a", "127.0.0.1:7015");
  s->uri = "etcd://" + etcd.hosts() + prefix;
  s->expected = {{"127.0.0.1", 7015}};
  s->change = [prefix, &etcd] {
    etcd.put(prefix + "/b", discovery::serversetMemberJson({"127.0.0.1", 7016}));
    return std::vector<Endpoint>{{"127.0.0.1", 7015}, {"127.0.0.1", 7016}};
  };
  return s;
}

std::unique_ptr<Served> serveZooKeeper() {
  auto s = std::make_unique<Served>();
  auto& zk = SharedZooKeeper::get();
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);  // as the runtime's sessions set it: no INFO chatter
  auto admin = std::make_shared<ZkTestClient>(zk.hosts());
  std::string path = "/contract/" + unique();
  admin->create(path + "/member_", discovery::serversetMemberJson({"127.0.0.1", 7007}),
                ZOO_SEQUENCE);
  s->uri = "zk://" + zk.hosts() + path;
  s->expected = {{"127.0.0.1", 7007}};
  s->change = [admin, path] {
    admin->create(path + "/member_", discovery::serversetMemberJson({"127.0.0.1", 7008}),
                  ZOO_SEQUENCE);
    return std::vector<Endpoint>{{"127.0.0.1", 7007}, {"127.0.0.1", 7008}};
  };
  s->resources.push_back(admin);
  return s;
}

// kafka+zk://: broker znodes as Kafka writes them, under a chroot of the case's own.
std::unique_ptr<Served> serveKafkaZk() {
  auto s = std::make_unique<Served>();
  auto& zk = SharedZooKeeper::get();
  zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
  auto admin = std::make_shared<ZkTestClient>(zk.hosts());
  std::string chroot = "/kafka-contract/" + unique();
  std::string ids = chroot + "/brokers/ids";
  auto broker = [](int port) {
    return R"({"endpoints":["PLAINTEXT://127.0.0.1:)" + std::to_string(port) +
           R"("],"host":"127.0.0.1","port":)" + std::to_string(port) + R"(,"version":5})";
  };
  admin->create(ids + "/1", broker(7031));
  s->uri = "kafka+zk://" + zk.hosts() + chroot;
  s->expected = {{"127.0.0.1", 7031}};
  s->change = [admin, ids, broker] {
    admin->create(ids + "/2", broker(7032));
    return std::vector<Endpoint>{{"127.0.0.1", 7031}, {"127.0.0.1", 7032}};
  };
  s->resources.push_back(admin);
  return s;
}

discovery::ResolverOptions usingDns(const DnsServer& dns) {
  discovery::ResolverOptions options;
  options.dns_servers = dns.address();
  options.dns_min_refresh = 100ms;  // records have a 1 s TTL: changes show within about 1 s
  return options;
}

std::unique_ptr<Served> serveDns() {
  auto s = std::make_unique<Served>();
  auto dns = std::make_shared<DnsServer>(std::vector<std::string>{"host-record=a.test,127.0.0.1"});
  s->uri = "dns://a.test:7009";
  s->options = usingDns(*dns);
  s->expected = {{"127.0.0.1", 7009}};
  s->change = [dns] {
    dns->serve({"host-record=a.test,127.0.0.2"});
    return std::vector<Endpoint>{{"127.0.0.2", 7009}};
  };
  s->resources.push_back(dns);
  return s;
}

std::unique_ptr<Served> serveDnsSrv() {
  auto s = std::make_unique<Served>();
  auto dns = std::make_shared<DnsServer>(std::vector<std::string>{
      "host-record=a.test,127.0.0.1", "srv-host=_contract._tcp.test,a.test,7010,0,10"});
  s->uri = "dns+srv://_contract._tcp.test";
  s->options = usingDns(*dns);
  s->expected = {{"127.0.0.1", 7010, 10.0, 0}};
  s->change = [dns] {
    dns->serve({"host-record=a.test,127.0.0.1", "srv-host=_contract._tcp.test,a.test,7011,1,5"});
    return std::vector<Endpoint>{{"127.0.0.1", 7011, 5.0, 1}};
  };
  s->resources.push_back(dns);
  return s;
}

std::unique_ptr<Served> serveFake() {
  auto s = std::make_unique<Served>();
  std::string name = "contract-" + unique();
  FakeDiscovery::publish(name, {{"127.0.0.1", 7012}});
  s->uri = "fake://" + name;
  s->expected = {{"127.0.0.1", 7012}};
  s->change = [name] {
    std::vector<Endpoint> next{{"127.0.0.1", 7013}, {"127.0.0.1", 7014}};
    FakeDiscovery::publish(name, next);
    return next;
  };
  return s;
}

// A stand-in Consul agent (support/consul_server.h) per case: the change adds an instance.
std::unique_ptr<Served> serveConsul() {
  auto s = std::make_unique<Served>();
  auto consul = std::make_shared<ConsulServer>();
  std::string service = "contract-" + unique();
  consul->add(ConsulServer::on(service + "-1", service, 7115));
  s->uri = "consul://" + consul->address() + "/" + service;
  s->expected = {{"127.0.0.1", 7115}};
  s->change = [consul, service] {
    consul->add(ConsulServer::on(service + "-2", service, 7116));
    return std::vector<Endpoint>{{"127.0.0.1", 7115}, {"127.0.0.1", 7116}};
  };
  s->resources.push_back(consul);
  return s;
}

// Every scheme this suite knows how to serve. A scheme registered without an entry here fails
// the suite: add a recipe when you register one.
const std::map<std::string, Recipe>& recipes() {
  static const std::map<std::string, Recipe> all{
      {"tcp", {"tcp://127.0.0.1:notaport", serveTcp}},
      {"inet", {"inet://127.0.0.1:1,127.0.0.1:2", serveInet}},
      {"file", {"file://otherhost/tmp/endpoints", serveFile}},
      {"zk", {"zk://127.0.0.1:2181", serveZooKeeper}},                 // no znode path
      {"kafka+zk", {"kafka+zk:///kafka", serveKafkaZk}},               // no ZooKeeper hosts
      {"etcd", {"etcd://127.0.0.1:2379", serveEtcd}},                  // no key prefix
      {"dns", {"dns://a.test", serveDns}},                             // no port
      {"dns+srv", {"dns+srv://_contract._tcp.test:53", serveDnsSrv}},  // SRV names take no port
      {"consul", {"consul://127.0.0.1:8500/a/b", serveConsul}},        // one service name
      {"fake", {"fake://", serveFake}},
  };
  return all;
}

std::vector<std::string> registeredSchemes() {
  registerFakeResolver();
  return discovery::resolverRegistry().list();
}

// One resolver on an io_context the test drives, and what its listener saw.
class Harness {
 public:
  explicit Harness(const Served& served) : served_(served) {}
  ~Harness() {
    resolver_.reset();  // before the io_context its handlers refer to
  }

  void make() {
    resolver_ = discovery::makeResolver(discovery::parseUri(served_.uri), io_.get_executor(),
                                        served_.options);
  }

  Resolver::Listener listener() {
    return [this](const ResolverUpdate& update) {
      ++calls_;
      if (in_start_) ++inline_calls_;
      if (!io_.get_executor().running_in_this_thread()) ++off_executor_calls_;
      if (stop_returned_) ++calls_after_stop_;
      updates_.push_back(update);
      io_.stop();  // let runUntil() look again
    };
  }

  // start() from a handler on the executor, as a client does.
  void startOnExecutor() {
    onExecutor([this] {
      in_start_ = true;
      resolver_->start(listener());
      in_start_ = false;
    });
  }
  // start() from the test's thread while the executor is not running.
  void startOutside() {
    in_start_ = true;
    resolver_->start(listener());
    in_start_ = false;
  }
  // start() and, in the same handler, stop(): nothing start() queued may reach the listener.
  void startThenStopOnExecutor() {
    onExecutor([this] {
      in_start_ = true;
      resolver_->start(listener());
      in_start_ = false;
      resolver_->stop();
      stop_returned_ = true;
    });
  }
  // stop() on the executor (its contract); `then` runs right after it returns.
  void stopOnExecutor(std::function<void()> then = {}) {
    onExecutor([this, then] {
      resolver_->stop();
      stop_returned_ = true;
      if (then) then();
    });
  }

  // Drives the executor until `done` or `limit`.
  bool runUntil(const std::function<bool()>& done, Duration limit) {
    auto give_up = Clock::now() + limit;
    while (!done()) {
      auto now = Clock::now();
      if (now >= give_up) return false;
      io_.restart();
      io_.run_for(give_up - now);
    }
    return true;
  }
  // Drives the executor for `window`, whatever happens.
  void runFor(Duration window) {
    auto until = Clock::now() + window;
    for (auto now = Clock::now(); now < until; now = Clock::now()) {
      io_.restart();
      io_.run_for(until - now);
    }
  }

  // The first update that is not an error (errors keep the last set and may come first, e.g.
  // while a server restarts).
  const ResolverUpdate* firstSet(size_t from = 0) const {
    for (size_t i = from; i < updates_.size(); ++i) {
      if (updates_[i].error.empty()) return &updates_[i];
    }
    return nullptr;
  }

  std::string errors() const {
    std::string out;
    for (const auto& u : updates_) {
      if (!u.error.empty()) out += "[" + u.error + "] ";
    }
    return out;
  }

  int calls() const { return calls_; }
  int inlineCalls() const { return inline_calls_; }
  int offExecutorCalls() const { return off_executor_calls_; }
  int callsAfterStop() const { return calls_after_stop_; }
  const std::vector<ResolverUpdate>& updates() const { return updates_; }

 private:
  void onExecutor(std::function<void()> work) {
    auto done = std::make_shared<bool>(false);
    asio::post(io_, [done, work = std::move(work)] {
      work();
      *done = true;
    });
    // Handlers the resolver queued earlier may run first; that is fine.
    auto give_up = Clock::now() + kWait;
    while (!*done && Clock::now() < give_up) {
      io_.restart();
      io_.run_one_until(give_up);
    }
    if (!*done) ADD_FAILURE() << "the executor did not run a posted handler within 4 s";
  }

  const Served& served_;
  asio::io_context io_;
  // Keeps run_for() waiting for events instead of returning when nothing is queued.
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<Resolver> resolver_;
  std::vector<ResolverUpdate> updates_;
  int calls_ = 0;
  int inline_calls_ = 0;
  int off_executor_calls_ = 0;
  int calls_after_stop_ = 0;
  bool in_start_ = false;
  bool stop_returned_ = false;
};

class ResolverContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto it = recipes().find(GetParam());
    ASSERT_TRUE(it != recipes().end())
        << "resolver scheme '" << GetParam()
        << "' is registered but resolver_contract_test.cpp has no recipe to serve it: add one";
    recipe_ = &it->second;
    served_ = recipe_->serve();
  }

  const Recipe* recipe_ = nullptr;
  std::unique_ptr<Served> served_;
};

TEST_P(ResolverContract, MalformedUriIsAConfigErrorAtConstruction) {
  asio::io_context io;
  discovery::Uri uri;
  ASSERT_NO_THROW(uri = discovery::parseUri(recipe_->malformed))
      << "the recipe's malformed URI must get past the generic parser to test the scheme";
  ASSERT_EQ(uri.scheme, GetParam());
  EXPECT_THROW(discovery::makeResolver(uri, io.get_executor(), served_->options), ConfigError)
      << recipe_->malformed;
  // The well-formed one constructs.
  EXPECT_NO_THROW(discovery::makeResolver(discovery::parseUri(served_->uri), io.get_executor(),
                                          served_->options));
}

TEST_P(ResolverContract, StartNeverCallsTheListenerInline) {
  // Started from a handler on the executor (as clients do) and from outside it.
  Harness on(*served_);
  on.make();
  on.startOnExecutor();
  Harness outside(*served_);
  outside.make();
  outside.startOutside();
  EXPECT_EQ(outside.calls(), 0) << "listener called before the executor ran";
  ASSERT_TRUE(on.runUntil([&] { return on.calls() > 0; }, kWait)) << "no update within 4 s";
  ASSERT_TRUE(outside.runUntil([&] { return outside.calls() > 0; }, kWait))
      << "no update within 4 s";
  EXPECT_EQ(on.inlineCalls(), 0);
  EXPECT_EQ(outside.inlineCalls(), 0);
}

TEST_P(ResolverContract, FirstUpdateArrivesOnTheExecutorWithTheServedSet) {
  Harness h(*served_);
  h.make();
  h.startOnExecutor();
  ASSERT_TRUE(h.runUntil([&] { return h.calls() > 0; }, kWait)) << "no update within 4 s";
  EXPECT_EQ(h.offExecutorCalls(), 0) << "the listener ran outside the executor's run";
  const auto& first = h.updates().front();
  EXPECT_EQ(first.error, "");
  EXPECT_EQ(sorted(first.endpoints), sorted(served_->expected))
      << "got " << show(first.endpoints) << ", served " << show(served_->expected);
}

TEST_P(ResolverContract, ChangedSetArrivesWhole) {
  if (!served_->change) GTEST_SKIP() << GetParam() << ":// resolves once; nothing to change";
  Harness h(*served_);
  h.make();
  h.startOnExecutor();
  ASSERT_TRUE(h.runUntil([&] { return h.firstSet() != nullptr; }, kWait))
      << "no endpoint set within 4 s; errors: " << h.errors();
  ASSERT_EQ(sorted(h.firstSet()->endpoints), sorted(served_->expected));
  size_t seen = h.updates().size();
  auto next = served_->change();
  // Errors may come between (a restarting DNS server); every set delivered is the old or the new
  // one, whole.
  auto changed = [&] {
    for (size_t i = seen; i < h.updates().size(); ++i) {
      const auto& u = h.updates()[i];
      if (u.error.empty() && sorted(u.endpoints) != sorted(served_->expected)) return true;
    }
    return false;
  };
  ASSERT_TRUE(h.runUntil(changed, kWait)) << "the change was not delivered within 4 s";
  const ResolverUpdate* delivered = nullptr;
  for (size_t i = seen; i < h.updates().size(); ++i) {
    const auto& u = h.updates()[i];
    if (u.error.empty() && sorted(u.endpoints) != sorted(served_->expected)) delivered = &u;
  }
  ASSERT_NE(delivered, nullptr);
  EXPECT_EQ(sorted(delivered->endpoints), sorted(next))
      << "got " << show(delivered->endpoints) << ", served " << show(next);
  EXPECT_EQ(h.offExecutorCalls(), 0);
  h.stopOnExecutor();
}

TEST_P(ResolverContract, NoListenerCallAfterStopThatFollowsStart) {
  Harness never_started(*served_);
  never_started.make();
  never_started.stopOnExecutor();  // stopping a resolver that never started is harmless
  Harness h(*served_);
  h.make();
  h.startThenStopOnExecutor();
  // Long enough for a first resolution (and a DNS re-lookup) to have come.
  h.runFor(1500ms);
  EXPECT_EQ(h.callsAfterStop(), 0);
}

TEST_P(ResolverContract, NoListenerCallAfterStopEvenWhenTheSetChanges) {
  Harness h(*served_);
  h.make();
  h.startOnExecutor();
  ASSERT_TRUE(h.runUntil([&] { return h.firstSet() != nullptr; }, kWait))
      << "no endpoint set within 4 s; errors: " << h.errors();
  // stop(), and change the served set right after it returns.
  h.stopOnExecutor([&] {
    if (served_->change) served_->change();
  });
  // A running resolver would see the change well within this (ChangedSetArrivesWhole).
  h.runFor(2s);
  EXPECT_EQ(h.callsAfterStop(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, ResolverContract, ::testing::ValuesIn(registeredSchemes()),
                         [](const auto& param) {
                           std::string name = param.param;
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
                               '_');
                           return name;
                         });

TEST(ResolverContractCoverage, EverySchemeHasARecipe) {
  std::string missing;
  for (const auto& scheme : registeredSchemes()) {
    if (!recipes().count(scheme)) missing += (missing.empty() ? "" : ", ") + scheme;
  }
  EXPECT_EQ(missing, "") << "registered resolver schemes without a recipe in "
                            "resolver_contract_test.cpp";
}

// The fake:// resolver's own promises (support/fake_resolver.h), beyond the contract above.
TEST(FakeResolver, RegistersOnceHoweverOftenAsked) {
  EXPECT_NO_THROW(registerFakeResolver());
  EXPECT_NO_THROW(registerFakeResolver());
  EXPECT_TRUE(discovery::resolverRegistry().contains("fake"));
}

TEST(FakeResolver, DeliversEveryPublishAndFailureInOrderUntilStopped) {
  registerFakeResolver();
  std::string name = "fake-" + unique();
  Served served;
  served.uri = "fake://" + name;
  Harness h(served);
  h.make();
  h.startOnExecutor();
  h.runFor(100ms);
  EXPECT_EQ(h.calls(), 0) << "nothing was published yet";
  EXPECT_EQ(FakeDiscovery::liveResolvers(name), 1u);
  FakeDiscovery::publish(name, {{"127.0.0.1", 1}});
  FakeDiscovery::fail(name, "zone on fire");
  FakeDiscovery::publish(name, {});
  ASSERT_TRUE(h.runUntil([&] { return h.calls() == 3; }, kWait));
  EXPECT_EQ(h.updates()[0].endpoints, (std::vector<Endpoint>{{"127.0.0.1", 1}}));
  EXPECT_EQ(h.updates()[1].error, "zone on fire");
  EXPECT_EQ(h.updates()[2].error, "");
  EXPECT_TRUE(h.updates()[2].endpoints.empty());
  EXPECT_NE(h.updates()[2].detail, "") << "an empty set says why";
  h.stopOnExecutor();
  EXPECT_EQ(FakeDiscovery::liveResolvers(name), 0u);
  FakeDiscovery::publish(name, {{"127.0.0.1", 2}});
  h.runFor(100ms);
  EXPECT_EQ(h.calls(), 3);
}

TEST(FakeResolver, StartedLateGetsTheLatestFirst) {
  registerFakeResolver();
  std::string name = "fake-" + unique();
  FakeDiscovery::publish(name, {{"127.0.0.1", 1}});
  FakeDiscovery::publish(name, {{"127.0.0.1", 2}});
  Served served;
  served.uri = "fake://" + name;
  Harness h(served);
  h.make();
  h.startOnExecutor();
  ASSERT_TRUE(h.runUntil([&] { return h.calls() > 0; }, kWait));
  h.runFor(50ms);
  ASSERT_EQ(h.calls(), 1);
  EXPECT_EQ(h.updates()[0].endpoints, (std::vector<Endpoint>{{"127.0.0.1", 2}}));
  FakeDiscovery::clear(name);
  Harness late(served);
  late.make();
  late.startOnExecutor();
  late.runFor(100ms);
  EXPECT_EQ(late.calls(), 0) << "cleared: nothing to deliver";
}

TEST(FakeResolver, PathIsRefused) {
  registerFakeResolver();
  asio::io_context io;
  EXPECT_THROW(discovery::makeResolver(discovery::parseUri("fake://x/y"), io.get_executor()),
               ConfigError);
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Replies that are failures (scales/core/reply_class.h) against real servers: a real nginx whose
// one server block answers 503 loses its traffic and wins it back once restored; a POST's 503 is
// counted but not retried; a user's classifier turns a 404 into a failure; a declared Thrift
// exception configured as a failure takes its server out.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "Flaky.scales.h"
#include "scales/http/client.h"
#include "scales/metrics/export.h"
#include "support/flaky_handler.h"
#include "support/nginx_server.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

int64_t counterOf(const metrics::Snapshot& s, const std::string& name,
                  const metrics::Labels& labels) {
  for (const auto& v : s.counters) {
    if (v.key.name == name && v.key.labels == labels) return v.value;
  }
  return 0;
}

// A client config recording into `registry` under the service name `name`.
ClientConfig countedIn(metrics::Registry& registry, const std::string& name) {
  ClientConfig config;
  config.metrics = &registry;
  config.name = name;
  return config;
}

// Which server answered each of `calls` GETs of /flaky; every call must succeed.
std::map<std::string, int> spread(http::Client& client, int calls) {
  std::map<std::string, int> answered;
  for (int i = 0; i < calls; ++i) {
    auto reply = client.get("/flaky");
    EXPECT_EQ(reply.status, 200) << "call " << i << ": " << reply.body;
    ++answered[reply.body];
  }
  return answered;
}

TEST(ReplyClassification, ANginxServerAnswering503LosesItsTrafficAndWinsItBackWhenRestored) {
  NginxServer nginx(3);
  metrics::Registry registry;
  auto config = countedIn(registry, "web");
  // Accrual's backoff is short, so the restored server comes back within the test.
  auto client = http::Client::make("tcp://" + nginx.addresses() +
                                       "?balancer=round_robin&accrual_backoff_ms=100"
                                       "&accrual_backoff_max_ms=200",
                                   config);
  EXPECT_EQ(spread(*client, 30)["server-1"], 10) << "round robin over three healthy servers";

  nginx.setDown(1, true);
  // Every GET still succeeds: a 503 to an idempotent request is retried on another server. After
  // its fifth consecutive 503 accrual takes server 1 out; from then on only a probe per backoff
  // (100-200 ms) reaches it, far fewer than the third of calls round robin would give it.
  auto before = registry.snapshot();
  auto answered = spread(*client, 300);
  EXPECT_EQ(answered["server-1"], 0);
  EXPECT_EQ(answered["server-0"] + answered["server-2"], 300);
  auto after = registry.snapshot();
  metrics::Labels down{{"service", "web"}, {"endpoint", nginx.address(1)}};
  int64_t reached = counterOf(after, "requests", down) - counterOf(before, "requests", down);
  metrics::Labels down_503 = down;
  down_503.emplace_back("error", "http_503");
  int64_t failed = counterOf(after, "failures", down_503) - counterOf(before, "failures", down_503);
  EXPECT_GE(failed, 5);
  EXPECT_EQ(failed, reached) << "every call it took was a 503";
  EXPECT_LT(reached, 60) << "the failing server kept taking calls";
  EXPECT_GE(counterOf(metrics::aggregate(after), "retries", {{"service", "web"}}), 5);

  nginx.setDown(1, false);
  // A probe after the backoff finds it serving again; within bounded time it answers.
  auto give_up = Clock::now() + 10s;
  while (Clock::now() < give_up && client->get("/flaky").body != "server-1") {
  }
  auto restored = spread(*client, 90);
  EXPECT_NEAR(restored["server-1"], 30, 2) << "back to its share under round robin";
}

TEST(ReplyClassification, A503ToAPostIsAFailureOfTheServerButIsNotRetried) {
  NginxServer nginx(1);
  metrics::Registry registry;
  auto config = countedIn(registry, "web");
  auto client = http::Client::make("tcp://" + nginx.addresses(), config);
  nginx.setDown(0, true);
  auto reply = client->post("/flaky", "x");
  EXPECT_EQ(reply.status, 503) << "the caller gets the server's reply";
  auto service = metrics::aggregate(registry.snapshot());
  EXPECT_EQ(counterOf(service, "retries", {{"service", "web"}}), 0) << "POST is not idempotent";
  EXPECT_EQ(counterOf(service, "failures", {{"service", "web"}, {"error", "http_503"}}), 1);
  EXPECT_EQ(counterOf(service, "successes", {{"service", "web"}}), 0);
}

TEST(ReplyClassification, AClientsOwnClassifierComesBeforeTheProtocols) {
  NginxServer nginx(1);
  metrics::Registry registry;
  auto config = countedIn(registry, "web");
  // 404s of this client are failures; every other reply is left to HTTP's classifier.
  config.classify = [](const ReplyContext& call,
                       const Response& reply) -> std::optional<ReplyClass> {
    EXPECT_EQ(call.method, "GET");
    if (reply.payload.rfind("404 ", 0) == 0) return ReplyClass::failed("missing");
    return std::nullopt;
  };
  auto client = http::Client::make("tcp://" + nginx.addresses(), config);
  EXPECT_EQ(client->get("/no/such/file").status, 404);
  EXPECT_EQ(client->get("/who").status, 200);
  nginx.setDown(0, true);
  EXPECT_EQ(client->get("/flaky").status, 503);
  auto service = metrics::aggregate(registry.snapshot());
  metrics::Labels web{{"service", "web"}};
  EXPECT_EQ(counterOf(service, "failures", {{"service", "web"}, {"error", "missing"}}), 1);
  EXPECT_GE(counterOf(service, "failures", {{"service", "web"}, {"error", "http_503"}}), 1);
  EXPECT_EQ(counterOf(service, "successes", web), 1);
}

TEST(ReplyClassification, AThriftExceptionMarkedAsAFailureTakesItsServerOut) {
  FlakyServer a("a"), b("b");
  for (bool marked : {false, true}) {
    metrics::Registry registry;
    auto config = countedIn(registry, "flaky");
    // Invalid (field 2 of read's result) says the server is broken; accrual acts on the second.
    if (marked) config.methods["read"].failures = std::vector<std::string>{"Invalid"};
    auto client = flaky::FlakyClient::make(
        "tcp://" + a.address() + "," + b.address() + "?balancer=round_robin&accrual_failures=2",
        config);
    for (int i = 0; i < 4; ++i) EXPECT_THROW(client.read("invalid", 0), flaky::Invalid);
    std::set<std::string> answered;
    for (int i = 0; i < 10; ++i) answered.insert(client.read("k", 0));
    auto service = metrics::aggregate(registry.snapshot());
    int64_t failures =
        counterOf(service, "failures", {{"service", "flaky"}, {"error", "thrift_exception_2"}});
    if (marked) {
      EXPECT_EQ(failures, 4);
      // Both servers threw Invalid twice in a row: both are out, and the panic mode (no healthy
      // endpoint) lets the calls above through rather than failing them fast; the first success
      // revives its server, which ends the panic.
      EXPECT_FALSE(answered.empty());
      EXPECT_EQ(counterOf(service, "balancer_panics", {{"service", "flaky"}}), 1);
    } else {
      EXPECT_EQ(failures, 0) << "a declared exception is the method's answer by default";
      EXPECT_EQ(counterOf(service, "balancer_panics", {{"service", "flaky"}}), 0);
    }
  }
}

TEST(ReplyClassification, AFailureExceptionMustBeOneTheMethodDeclares) {
  FlakyServer a("a");
  ClientConfig config;
  config.methods["read"].failures = std::vector<std::string>{"Nope"};
  EXPECT_THROW(flaky::FlakyClient::make("tcp://" + a.address(), config), ConfigError);
}

}  // namespace
}  // namespace scales::testing

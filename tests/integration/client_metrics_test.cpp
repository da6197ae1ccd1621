// SPDX-License-Identifier: Apache-2.0
// A client's metrics over real calls on 127.0.0.1, and the admin endpoint read by a real HTTP
// client (curl).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "Flaky.scales.h"
#include "scales/metrics/admin_server.h"
#include "scales/server/thrift_server.h"
#include "support/child_process.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

using Backend = FlakyServer;

int64_t counterOf(const metrics::Snapshot& s, const std::string& name,
                  const metrics::Labels& labels) {
  for (const auto& v : s.counters) {
    if (v.key.name == name && v.key.labels == labels) return v.value;
  }
  return -1;
}

TEST(ClientMetrics, CallsAreCountedPerEndpointAndRollUpToTheService) {
  Backend a("a"), b("b");
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make(
      "tcp://" + a.address() + "," + b.address() + "?balancer=round_robin", config);
  for (int i = 0; i < 40; ++i) client.read("k", 0);
  EXPECT_THROW(client.read("invalid", 0), flaky::Invalid);  // a declared exception: a reply

  auto snapshot = registry.snapshot();
  metrics::Labels at_a{{"service", "Flaky"}, {"endpoint", a.address()}};
  metrics::Labels at_b{{"service", "Flaky"}, {"endpoint", b.address()}};
  EXPECT_EQ(counterOf(snapshot, "requests", at_a) + counterOf(snapshot, "requests", at_b), 41);
  EXPECT_NEAR(counterOf(snapshot, "requests", at_a), 20, 1);
  auto service = metrics::aggregate(snapshot);
  metrics::Labels flaky{{"service", "Flaky"}};
  EXPECT_EQ(counterOf(service, "requests", flaky), 41);
  EXPECT_EQ(counterOf(service, "successes", flaky), 41);
  EXPECT_EQ(counterOf(service, "calls", flaky), 41);
  EXPECT_EQ(counterOf(service, "retries", flaky), 0);
  for (const auto& h : service.histograms) {
    if (h.key.name == "latency_us") {
      EXPECT_EQ(h.histogram.count, 41);
    }
  }
  bool sized = false;
  for (const auto& g : service.gauges) {
    if (g.key.name == "balancer_size") sized = g.value == 2;
  }
  EXPECT_TRUE(sized);
}

TEST(ClientMetrics, FailuresAreCountedByErrorType) {
  Backend good("good");
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  config.name = "hung";
  auto client = flaky::FlakyClient::make("tcp://" + good.address() + "?timeout_ms=50", config);
  EXPECT_THROW(client.read("k", 1000), TimeoutError);
  auto service = metrics::aggregate(registry.snapshot());
  EXPECT_EQ(counterOf(service, "timeouts", {{"service", "hung"}}), 1);
  // The node hears of the timeout as the cancellation that ended its attempt; it may arrive
  // just after the caller's error.
  auto give_up = Clock::now() + 5s;
  int64_t failed = -1;
  while (failed != 1 && Clock::now() < give_up) {
    failed = counterOf(metrics::aggregate(registry.snapshot()), "failures",
                       {{"service", "hung"}, {"error", "CancelledError"}});
  }
  EXPECT_EQ(failed, 1);
}

TEST(ClientMetrics, TheAdminEndpointServesPrometheusAndJsonToCurl) {
  Backend a("a");
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make("tcp://" + a.address(), config);
  for (int i = 0; i < 3; ++i) client.read("k", 0);
  metrics::AdminServer admin(registry);
  std::string base = "http://127.0.0.1:" + std::to_string(admin.port());

  ChildProcess prometheus({CURL, "-sS", "--max-time", "5", base + "/metrics"});
  auto text = prometheus.readAll(10s);
  EXPECT_NE(text.find("# TYPE scales_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("scales_requests_total{service=\"Flaky\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("scales_latency_us_count{service=\"Flaky\"} 3\n"), std::string::npos);

  ChildProcess json({CURL, "-sS", "--max-time", "5", base + "/metrics.json"});
  auto parsed = nlohmann::json::parse(json.readAll(10s));
  bool found = false;
  for (const auto& c : parsed["counters"]) {
    if (c["name"] == "successes") found = c["value"] == 3;
  }
  EXPECT_TRUE(found) << parsed.dump();

  ChildProcess missing(
      {CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", base + "/x"});
  EXPECT_EQ(missing.readAll(10s), "404");
}

TEST(ClientMetrics, MuxSessionsCountPingsAndTheirRoundTrips) {
  Backend a("a");
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make("tcp://" + a.address() + "?ping_interval_ms=10", config);
  client.read("k", 0);  // opens the session
  metrics::Labels at{{"service", "Flaky"}, {"endpoint", a.address()}};
  auto give_up = Clock::now() + 5s;
  int64_t pings = 0;
  while (pings < 3 && Clock::now() < give_up)
    pings = counterOf(registry.snapshot(), "mux_pings", at);
  EXPECT_GE(pings, 3);
  int64_t rtts = 0;
  for (const auto& h : registry.snapshot().histograms) {
    if (h.key.name == "mux_ping_rtt_us" && h.key.labels == at) rtts = h.histogram.count;
  }
  EXPECT_GE(rtts, 2);  // every ping but perhaps the last has been answered
}

TEST(ClientMetrics, AnAdminPortInUseIsAConfigError) {
  metrics::Registry registry;
  metrics::AdminServer first(registry);
  metrics::AdminOptions same;
  same.port = first.port();
  EXPECT_THROW(metrics::AdminServer(registry, same), ConfigError);
}

}  // namespace
}  // namespace scales::testing

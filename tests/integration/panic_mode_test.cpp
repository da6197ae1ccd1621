// SPDX-License-Identifier: Apache-2.0
// Panic mode (ClientConfig::panic_threshold) against a real nginx: a health check that fails on
// every endpoint while the servers answer must not become an outage.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "scales/core/log.h"
#include "scales/http/client.h"
#include "scales/metrics/export.h"
#include "support/nginx_server.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

// Probes /missing (404) every 50 ms; one failed probe takes an endpoint out.
constexpr const char* kWrongHealthCheck =
    "?balancer=round_robin&health_check=http&health_path=/missing&health_interval_ms=50"
    "&health_unhealthy_threshold=1";

// The gauge `name` summed over its series; -1 unless there are `series` of them.
int64_t gaugeOf(const metrics::Snapshot& snapshot, const std::string& name, size_t series = 1) {
  int64_t sum = 0;
  size_t seen = 0;
  for (const auto& g : snapshot.gauges) {
    if (g.key.name != name) continue;
    sum += g.value;
    ++seen;
  }
  return seen == series ? sum : -1;
}

// Waits (bounded) until the client's gauge `name`, summed over its `series` (one per endpoint
// for endpoint gauges), is `value`.
bool waitForGauge(metrics::Registry& registry, const std::string& name, int64_t value,
                  size_t series = 1) {
  auto give_up = Clock::now() + 10s;
  while (Clock::now() < give_up) {
    if (gaugeOf(registry.snapshot(), name, series) == value) return true;
    std::this_thread::sleep_for(10ms);  // polling a gauge: no event to await from here
  }
  return false;
}

TEST(PanicMode, AHealthCheckFailingEverywhereDoesNotStopCallsToServersThatAnswer) {
  std::mutex mutex;
  std::vector<std::string> lines;
  setLogSink([&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  });
  NginxServer nginx(3);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  config.name = "web";
  auto client = http::Client::make("tcp://" + nginx.addresses() + kWrongHealthCheck, config);
  // Below the default threshold (50% healthy): calls spread over every endpoint, the unhealthy
  // ones too (only one could be healthy by then).
  ASSERT_TRUE(waitForGauge(registry, "balancer_panic", 1)) << "the client never panicked";
  std::set<std::string> answered;
  for (int i = 0; i < 30; ++i) {
    auto reply = client->get("/who");
    EXPECT_EQ(reply.status, 200);
    answered.insert(reply.body);
  }
  EXPECT_EQ(answered, (std::set<std::string>{"server-0", "server-1", "server-2"}));
  setLogSink(nullptr);
  std::lock_guard lock(mutex);
  bool said = false;
  for (const auto& line : lines) said = said || line.find("web entered panic mode") != line.npos;
  EXPECT_TRUE(said) << "no log line said the client panicked";
}

TEST(PanicMode, WithTheThresholdAtZeroCallsFailFastWhenEveryEndpointIsOut) {
  NginxServer nginx(2);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  config.panic_threshold = 0;
  auto client = http::Client::make("tcp://" + nginx.addresses() + kWrongHealthCheck, config);
  ASSERT_TRUE(waitForGauge(registry, "available", 0, 2)) << "the health check left one in";
  EXPECT_EQ(gaugeOf(registry.snapshot(), "balancer_panic"), 0);
  EXPECT_THROW(client->get("/who"), UnavailableError);
}

TEST(PanicMode, ABadPanicThresholdIsRefused) {
  EXPECT_THROW(http::Client::make("tcp://127.0.0.1:1?panic_threshold=1.5"), ConfigError);
  EXPECT_THROW(http::Client::make("tcp://127.0.0.1:1?panic_threshold=-0.1"), ConfigError);
}

}  // namespace
}  // namespace scales::testing

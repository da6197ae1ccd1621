// SPDX-License-Identifier: Apache-2.0
// Slow start against real servers on 127.0.0.1: a server that joins a running client's set (by a
// file:// rewrite) starts with a small share of its calls, which grows over the window.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "Flaky.scales.h"
#include "scales/metrics/export.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(SlowStart, AServerJoiningARunningClientRampsUpOverTheWindow) {
  FlakyServer a("a"), b("b"), late("late");
  auto dir = fs::temp_directory_path() / ("scales-slow-start-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto path = (dir / "flaky.endpoints").string();
  std::ofstream(path) << a.address() << "\n" << b.address() << "\n";
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = flaky::FlakyClient::make(
      "file://" + path + "?balancer=round_robin&slow_start_window_ms=4000", config);
  for (int i = 0; i < 20; ++i) client.read("k", 0);

  std::ofstream(path + ".new") << a.address() << "\n" << b.address() << "\n" << late.address();
  fs::rename(path + ".new", path);
  auto give_up = Clock::now() + 5s;
  while (late.handler->calls == 0 && Clock::now() < give_up) client.read("k", 0);
  ASSERT_GT(late.handler->calls, 0) << "the new server never joined";
  auto joined = Clock::now();
  int64_t warming = -1;
  for (const auto& g : metrics::aggregate(registry.snapshot()).gauges) {
    if (g.key.name == "balancer_warming") warming = g.value;
  }
  EXPECT_EQ(warming, 1);

  // Round robin lands on it once per rotation and slow start keeps that pick with the node's
  // weight w = max(0.1, t / window), a refused pick moving the rotation on: a share of
  // w / (2 + w), under w / 2 for the w reached by the end of the first 300 calls. Without slow
  // start it would be a third.
  std::map<std::string, int> early;
  for (int i = 0; i < 300; ++i) ++early[client.read("k", 0)];
  double weight = std::max(0.1, std::chrono::duration<double>(Clock::now() - joined).count() / 4.0);
  double bound = 300 * weight / 2 * 1.3 + 6;
  ASSERT_LT(bound, 90) << "300 calls took too long to see the start of the window";
  EXPECT_LT(early["late"], bound) << "it took more than its weight's share";
  while (Clock::now() - joined < 4200ms) client.read("k", 0);  // the window passes under load
  std::map<std::string, int> warm;
  for (int i = 0; i < 300; ++i) ++warm[client.read("k", 0)];
  EXPECT_NEAR(warm["late"], 100, 10) << "warm, it takes its full share";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace scales::testing

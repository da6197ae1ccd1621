// SPDX-License-Identifier: Apache-2.0
// A client following a file:// endpoint list as it is rewritten, against real servers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "Flaky.scales.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(FileDiscovery, TrafficFollowsTheFile) {
  FlakyServer a("a"), b("b");
  auto dir = fs::temp_directory_path() / ("scales-discovery-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto path = (dir / "flaky.endpoints").string();
  std::ofstream(path) << a.address() << "\n";
  auto client = flaky::FlakyClient::make("file://" + path);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "a");

  // A deploy tool's atomic replace.
  std::ofstream(path + ".new") << "# moved\n" << b.address() << "\n";
  fs::rename(path + ".new", path);
  auto give_up = Clock::now() + 5s;
  std::string answer;
  while (answer != "b" && Clock::now() < give_up) answer = client.read("k", 0);
  EXPECT_EQ(answer, "b");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "b");  // a is gone for good

  // A broken edit keeps the last good set.
  std::ofstream(path) << "oops\n";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "b");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
#include "scales/core/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace scales {
namespace {

TEST(Registry, FindsRegisteredFactories) {
  Registry<int> r("widget");
  r.add("b", 2).add("a", 1);
  EXPECT_EQ(r.get("a"), 1);
  EXPECT_EQ(r.get("b"), 2);
  EXPECT_TRUE(r.contains("a"));
  EXPECT_FALSE(r.contains("c"));
}

TEST(Registry, UnknownNameFailsListingValidNamesSorted) {
  Registry<int> r("widget");
  r.add("zeta", 1).add("alpha", 2);
  try {
    r.get("beta");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "unknown widget 'beta'; valid: alpha, zeta");
  }
}

TEST(Registry, ANameIsTakenOnce) {
  Registry<int> r("widget");
  r.add("a", 1);
  try {
    r.add("a", 2);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "widget 'a' is already registered");
  }
  EXPECT_EQ(r.get("a"), 1);  // the first stays
  EXPECT_THROW(r.add("", 3), ConfigError);
}

TEST(Registry, ThreadsRegisterAndLookUpTogether) {
  Registry<int> r("widget");
  r.add("base", 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 200; ++i) {
        r.add("w" + std::to_string(t) + "_" + std::to_string(i), i);
        EXPECT_EQ(r.get("base"), 0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(r.list().size(), 801u);
  EXPECT_EQ(r.get("w3_199"), 199);
}

}  // namespace
}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
#include "scales/core/registry.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// Ring hash: stable key -> node mapping, even spread, bounded remapping.
#include <gtest/gtest.h>

#include "scales/balancer/hash.h"
#include "test_nodes.h"

namespace scales::balancer {
namespace {
using testing::Fixture;

constexpr int kKeys = 20000;

std::vector<std::string> owners(Fixture& f) {
  std::vector<std::string> out;
  for (int k = 0; k < kKeys; ++k) {
    out.push_back(f.pick(hashKey("user-" + std::to_string(k)))->endpoint().address());
  }
  return out;
}

TEST(RingHash, SameKeySameNodeAcrossClients) {
  Fixture a("ring_hash", 5);
  BalancerOptions other;
  other.seed = 7;
  Fixture b("ring_hash", 0, other);
  for (int port = 5; port >= 1; --port) b.add(port);  // another order, another seed
  b.publish();
  EXPECT_EQ(owners(a), owners(b));
}

TEST(RingHash, KeysSpreadEvenly) {
  Fixture f("ring_hash", 4);
  std::map<std::string, int> counts;
  for (auto& owner : owners(f)) ++counts[owner];
  ASSERT_EQ(counts.size(), 4u);
  for (auto& [node, count] : counts) EXPECT_NEAR(count / double(kKeys), 0.25, 0.05) << node;
}

TEST(RingHash, AddingANodeMovesAboutOneNthOfTheKeysAndOnlyToIt) {
  Fixture f("ring_hash", 4);
  auto before = owners(f);
  auto& added = f.add(5);
  f.publish();
  auto after = owners(f);
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] == after[k]) continue;
    ++moved;
    EXPECT_EQ(after[k], added.endpoint().address());
  }
  EXPECT_NEAR(moved / double(kKeys), 1.0 / 5, 0.05);
}

TEST(RingHash, RemovingANodeMovesOnlyItsKeys) {
  Fixture f("ring_hash", 5);
  auto before = owners(f);
  std::string gone = f.nodes[2]->endpoint().address();
  f.remove(2);
  f.publish();
  auto after = owners(f);
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] != gone) {
      EXPECT_EQ(before[k], after[k]);
    }
  }
}

TEST(RingHash, ADeadOwnersKeysMoveAwayAndComeBack) {
  Fixture f("ring_hash", 3);
  auto before = owners(f);
  f.nodes[0]->setAvailable(false);
  std::string dead = f.nodes[0]->endpoint().address();
  auto during = owners(f);
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_NE(during[k], dead);
    if (before[k] != dead) {
      EXPECT_EQ(before[k], during[k]);
    }
  }
  f.nodes[0]->setAvailable(true);
  EXPECT_EQ(owners(f), before);
}

TEST(RingHash, WeightsScaleTheShare) {
  Fixture f("ring_hash", 0);
  f.add(1, 3.0);
  f.add(2, 1.0);
  f.publish();
  int heavy = 0;
  for (auto& owner : owners(f)) heavy += owner == f.nodes[0]->endpoint().address();
  EXPECT_NEAR(heavy / double(kKeys), 0.75, 0.05);
}

TEST(HashKey, IsStable) {
  // Pinned values: a change here would remap every key of every deployed client.
  EXPECT_EQ(hashKey(std::string_view("")), hashBytes(""));
  EXPECT_EQ(hashKey(std::string_view("user-1")), hashKey(std::string("user-1")));
  EXPECT_EQ(hashKey(int32_t{7}), hashKey(int64_t{7}));
  EXPECT_NE(hashKey(int64_t{7}), hashKey(int64_t{8}));
  static_assert(hashBytes("a") != hashBytes("b"));
}

}  // namespace
}  // namespace scales::balancer

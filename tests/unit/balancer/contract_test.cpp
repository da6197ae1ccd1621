// SPDX-License-Identifier: Apache-2.0
// The Balancer contract (balancer.h), run against every registered balancer: a new policy gets
// these checks by being registered.
#include <gtest/gtest.h>

#include <set>

#include "test_nodes.h"

namespace scales::balancer {
namespace {
using testing::Fixture;

BalancerOptions contractOptions() {
  BalancerOptions options;
  options.deterministic.instance_count = 1;  // deterministic_aperture needs a coordinate
  return options;
}

class BalancerContract : public ::testing::TestWithParam<std::string> {};

TEST_P(BalancerContract, EmptySetPicksNothing) {
  Fixture f(GetParam(), 0, contractOptions());
  EXPECT_EQ(f.pick(), nullptr);
  EXPECT_EQ(f.pick(7), nullptr);
  EXPECT_EQ(f.balancer->stats().size, 0u);
}

TEST_P(BalancerContract, PicksOnlyNodesOfTheCurrentSet) {
  Fixture f(GetParam(), 5, contractOptions());
  f.remove(0);
  f.remove(0);
  f.publish();
  std::set<Node*> current;
  for (auto& n : f.nodes) current.insert(n.get());
  for (int i = 0; i < 2000; ++i) {
    Node* n = f.pick(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL);
    ASSERT_TRUE(current.count(n)) << "picked a node outside the set";
    n->callStarted();
    n->callFinished(f.clock->now, std::chrono::milliseconds(1));
  }
  EXPECT_EQ(f.balancer->stats().size, 3u);
}

TEST_P(BalancerContract, DeadNodesGetNothingWhileAnyNodeLives) {
  Fixture f(GetParam(), 4, contractOptions());
  f.nodes[0]->setAvailable(false);
  f.nodes[2]->setAvailable(false);
  for (int i = 0; i < 2000; ++i) {
    Node* n = f.pick(static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL);
    ASSERT_TRUE(n->available()) << "picked dead " << n->endpoint().address();
    n->callStarted();
    n->callFinished(f.clock->now, std::chrono::milliseconds(1));
  }
  EXPECT_EQ(f.balancer->stats().live, 2u);
}

TEST_P(BalancerContract, AllDeadStillPicksSoTheCallerDecides) {
  Fixture f(GetParam(), 3, contractOptions());
  for (auto& n : f.nodes) n->setAvailable(false);
  EXPECT_NE(f.pick(), nullptr);
  EXPECT_NE(f.pick(1), nullptr);
}

TEST_P(BalancerContract, RevivedNodeIsPickedAgain) {
  Fixture f(GetParam(), 2, contractOptions());
  f.nodes[1]->setAvailable(false);
  f.nodes[0]->setAvailable(false);
  f.nodes[0]->setAvailable(true);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(f.pick(static_cast<uint64_t>(i)), f.nodes[0].get());
}

TEST_P(BalancerContract, ReportsFromNodesItNoLongerHoldsAreIgnored) {
  Fixture f(GetParam(), 3, contractOptions());
  auto gone = std::move(f.nodes[0]);
  f.nodes.erase(f.nodes.begin());
  f.publish();
  // The stack detaches removed nodes, but a balancer must survive a stale report regardless.
  f.balancer->loadChanged(*gone);
  f.balancer->nodeChanged(*gone);
  for (int i = 0; i < 200; ++i) EXPECT_NE(f.pick(static_cast<uint64_t>(i)), gone.get());
}

TEST_P(BalancerContract, SurvivesManyUpdatesWithCallsInFlight) {
  Fixture f(GetParam(), 4, contractOptions());
  std::vector<Node*> out;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 10; ++i) {
      Node* n = f.pick(static_cast<uint64_t>(round * 10 + i));
      n->callStarted();
      out.push_back(n);
    }
    f.add(100 + round);
    if (round % 3 == 0) {
      // Finish the removed node's calls first: the test owns the nodes.
      Node* victim = f.nodes[0].get();
      for (auto it = out.begin(); it != out.end();) {
        if (*it == victim) {
          (*it)->callFinished(f.clock->now, std::chrono::milliseconds(1));
          it = out.erase(it);
        } else {
          ++it;
        }
      }
      f.remove(0);
    }
    f.publish();
  }
  for (Node* n : out) n->callFinished(f.clock->now, std::chrono::milliseconds(1));
  EXPECT_NE(f.pick(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, BalancerContract,
                         ::testing::ValuesIn(balancerRegistry().list()),
                         [](const auto& param) { return param.param; });

TEST(BalancerRegistry, UnknownNameListsTheValidOnes) {
  try {
    makeBalancer("fastest");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("unknown balancer 'fastest'"), std::string::npos) << what;
    EXPECT_NE(what.find("p2c_ewma"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>

#include "scales/balancer/balancers.h"

namespace scales::balancer {
namespace {

struct FakeNode : Node {
  explicit FakeNode(int port) { ep.host = "h", ep.port = static_cast<uint16_t>(port); }
  const discovery::Endpoint& endpoint() const override { return ep; }
  int outstanding() const override { return 0; }
  bool available() const override { return up; }
  discovery::Endpoint ep;
  bool up = true;
};

TEST(RoundRobin, EmptySetPicksNothing) {
  auto b = makeBalancer("round_robin");
  EXPECT_EQ(b->picker().pick({}), nullptr);
  b->update({});
  EXPECT_EQ(b->picker().pick({}), nullptr);
}

TEST(RoundRobin, VisitsEveryNodeEquallyInTurn) {
  FakeNode a(1), b(2), c(3);
  auto rr = balancers::roundRobin();
  rr->update({&a, &b, &c});
  std::map<Node*, int> counts;
  Node* previous = nullptr;
  for (int i = 0; i < 300; ++i) {
    Node* n = rr->picker().pick({});
    EXPECT_NE(n, previous);  // never the same node twice in a row with three up
    previous = n;
    ++counts[n];
  }
  EXPECT_EQ(counts[&a], 100);
  EXPECT_EQ(counts[&b], 100);
  EXPECT_EQ(counts[&c], 100);
}

TEST(RoundRobin, SkipsUnavailableNodes) {
  FakeNode a(1), b(2), c(3);
  b.up = false;
  auto rr = balancers::roundRobin();
  rr->update({&a, &b, &c});
  for (int i = 0; i < 50; ++i) EXPECT_NE(rr->picker().pick({}), &b);
}

TEST(RoundRobin, AllUnavailableStillPicksSoTheCallerDecides) {
  FakeNode a(1), b(2);
  a.up = b.up = false;
  auto rr = balancers::roundRobin();
  rr->update({&a, &b});
  EXPECT_NE(rr->picker().pick({}), nullptr);
}

}  // namespace
}  // namespace scales::balancer

// SPDX-License-Identifier: Apache-2.0
// Aperture: the load band sizes the subset; deterministic aperture spreads N clients evenly.
#include <gtest/gtest.h>

#include <set>

#include "test_nodes.h"

namespace scales::balancer {
namespace {
using namespace std::chrono_literals;
using testing::Fixture;

TEST(Aperture, LightLoadStaysOnTheMinimumAperture) {
  Fixture f("aperture", 10);
  EXPECT_EQ(f.balancer->stats().aperture, 1u);
  auto counts = f.spread(1000);  // one call at a time: load per node 1 at most, under 2.0
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(f.balancer->stats().aperture, 1u);
}

TEST(Aperture, GrowsAboveTheHighMarkAndShrinksBelowTheLowMark) {
  Fixture f("aperture", 10);
  std::vector<Node*> out;
  // 40 calls out, the clock moving: the smoothed load per node climbs past 2.0 and the aperture
  // widens until it falls back inside the band.
  for (int i = 0; i < 40; ++i) {
    f.clock->advance(1s);
    Node* n = f.pick();
    n->callStarted();
    out.push_back(n);
  }
  for (int i = 0; i < 200; ++i) {  // hold the load while time passes
    f.clock->advance(100ms);
    out.front()->callFinished(f.clock->now, 1ms);
    out.erase(out.begin());
    Node* n = f.pick();
    n->callStarted();
    out.push_back(n);
  }
  size_t wide = f.balancer->stats().aperture;
  EXPECT_GE(wide, 10u);  // 40 calls over a band of [0.5, 2] per node: the whole set of 10
  std::set<Node*> used(out.begin(), out.end());
  EXPECT_GE(used.size(), 8u);
  // Load drops to one call at a time: the aperture contracts back towards the minimum.
  for (Node* n : out) n->callFinished(f.clock->now, 1ms);
  for (int i = 0; i < 400; ++i) {
    f.clock->advance(1s);
    Node* n = f.pick();
    n->callStarted();
    n->callFinished(f.clock->now, 1ms);
  }
  EXPECT_LE(f.balancer->stats().aperture, 2u);
}

TEST(Aperture, WithNothingToDecideItKeepsNoBandAndWidensOnceItCan) {
  Fixture f("aperture", 1);
  std::vector<Node*> out;
  auto load = [&](int calls) {
    for (int i = 0; i < calls; ++i) {
      f.clock->advance(1s);
      Node* n = f.pick();
      n->callStarted();
      out.push_back(n);
    }
  };
  int reads = f.clock->reads;
  load(40);  // one node, the least the aperture holds: no clock read for the band
  EXPECT_EQ(f.clock->reads, reads);
  EXPECT_EQ(f.balancer->stats().aperture, 1u);
  // Two more servers while 40 calls are out: the band applies again, and the load widens it.
  f.add(2);
  f.add(3);
  f.publish();
  load(10);
  EXPECT_GT(f.clock->reads, reads);
  EXPECT_EQ(f.balancer->stats().aperture, 3u);
}

TEST(Aperture, ADeadNodeInTheApertureIsReplaced) {
  Fixture f("aperture", 3);
  Node* first = f.pick();
  first->setAvailable(false);
  EXPECT_EQ(f.balancer->stats().aperture, 2u);
  Node* next = f.pick();
  EXPECT_NE(next, first);
  EXPECT_TRUE(next->available());
}

TEST(Aperture, MinSizeIsHonoured) {
  BalancerOptions options;
  options.aperture.min_size = 3;
  Fixture f("aperture", 10, options);
  EXPECT_EQ(f.balancer->stats().aperture, 3u);
  auto counts = f.spread(3000);
  EXPECT_EQ(counts.size(), 3u);
}

TEST(Aperture, ClientsStartOnDifferentNodes) {
  std::set<std::string> chosen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    BalancerOptions options;
    options.seed = seed;
    Fixture f("aperture", 10, options);
    chosen.insert(f.pick()->endpoint().address());
  }
  EXPECT_GE(chosen.size(), 5u);
}

// N clients over M servers, each with its own deterministic aperture: every server's share of
// all traffic is 1/M, and connections (clients whose subset holds the server) differ by at most 2
// between servers.
void expectEvenSpread(int clients, int servers, size_t min_size) {
  std::map<std::string, int> picks;
  std::map<std::string, int> connections;
  const int per_client = 60000 / clients;
  for (int id = 0; id < clients; ++id) {
    BalancerOptions options;
    options.seed = static_cast<uint64_t>(id + 1);
    options.deterministic = {id, clients, min_size};
    Fixture f("deterministic_aperture", static_cast<size_t>(servers), options);
    std::set<std::string> subset;
    for (int i = 0; i < per_client; ++i) {
      Node* n = f.pick();
      ++picks[n->endpoint().address()];
      subset.insert(n->endpoint().address());
    }
    for (const auto& s : subset) ++connections[s];
    EXPECT_EQ(subset.size(), f.balancer->stats().aperture) << "client " << id;
  }
  ASSERT_EQ(picks.size(), static_cast<size_t>(servers));
  int lo = 1 << 30, hi = 0;
  for (auto& [server, count] : picks) {
    EXPECT_NEAR(count / static_cast<double>(per_client * clients), 1.0 / servers, 0.15 / servers)
        << server;
    lo = std::min(lo, connections[server]);
    hi = std::max(hi, connections[server]);
  }
  EXPECT_LE(hi - lo, 2) << clients << " clients over " << servers << " servers";
}

TEST(DeterministicAperture, SpreadsMoreClientsThanServersEvenly) { expectEvenSpread(12, 5, 1); }
TEST(DeterministicAperture, SpreadsFewerClientsThanServersEvenly) { expectEvenSpread(4, 10, 1); }
TEST(DeterministicAperture, WidensToTheMinimumAperture) { expectEvenSpread(6, 20, 6); }

TEST(DeterministicAperture, SameCoordinateSameSubsetWhateverTheResolverOrder) {
  BalancerOptions options;
  options.deterministic = {2, 5, 1};
  Fixture a("deterministic_aperture", 8, options);
  Fixture b("deterministic_aperture", 0, options);
  for (int port = 8; port >= 1; --port) b.add(port);  // reversed order
  b.publish();
  std::set<std::string> sa, sb;
  for (int i = 0; i < 2000; ++i) {
    sa.insert(a.pick()->endpoint().address());
    sb.insert(b.pick()->endpoint().address());
  }
  EXPECT_EQ(sa, sb);
}

TEST(DeterministicAperture, RequiresACoordinate) {
  EXPECT_THROW(makeBalancer("deterministic_aperture"), ConfigError);
  BalancerOptions bad;
  bad.deterministic = {5, 5, 1};
  EXPECT_THROW(makeBalancer("deterministic_aperture", bad), ConfigError);
  bad.deterministic = {0, 5, 1};
  EXPECT_NO_THROW(makeBalancer("aperture", bad));  // aperture turns deterministic with one
}

}  // namespace
}  // namespace scales::balancer

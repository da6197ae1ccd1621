// SPDX-License-Identifier: Apache-2.0
// Nanoseconds per pick and per load update for every registered balancer at 10, 1,000 and
// 10,000 nodes. A load update is one call starting and finishing on a node: the two reports a
// balancer hears per call (the heap and aperture re-sort on each, O(log n)).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "scales/balancer/balancers.h"

namespace {
using namespace scales;
using namespace scales::balancer;

struct Nodes {
  Nodes(const std::string& policy, size_t count) {
    BalancerOptions options;
    options.seed = 7;
    options.deterministic = {0, 4, 12};
    if (policy != "deterministic_aperture") options.deterministic.instance_count = 0;
    balancer = makeBalancer(policy, options);
    std::vector<Node*> view;
    for (size_t i = 0; i < count; ++i) {
      nodes.push_back(std::make_unique<Node>(
          discovery::Endpoint{"10." + std::to_string(i / 65536) + "." +
                                  std::to_string(i / 256 % 256) + "." + std::to_string(i % 256),
                              static_cast<uint16_t>(9000 + i % 1000)}));
      nodes.back()->watch(balancer.get());
      view.push_back(nodes.back().get());
    }
    balancer->update(view);
    // Some load, so least-loaded policies compare real values.
    for (size_t i = 0; i < count; i += 3) nodes[i]->callStarted();
  }
  std::unique_ptr<Balancer> balancer;
  std::vector<std::unique_ptr<Node>> nodes;
};

void pick(benchmark::State& state, std::string policy) {
  Nodes n(policy, static_cast<size_t>(state.range(0)));
  const Picker& picker = n.balancer->picker();
  PickContext context{0x9e3779b97f4a7c15ULL, true};
  for (auto _ : state) {
    benchmark::DoNotOptimize(picker.pick(context));
    context.key += 0x9e3779b97f4a7c15ULL;
  }
}

void loadUpdate(benchmark::State& state, std::string policy) {
  Nodes n(policy, static_cast<size_t>(state.range(0)));
  auto now = Clock::now();
  size_t i = 0;
  for (auto _ : state) {
    Node& node = *n.nodes[i];
    node.callStarted();
    node.callFinished(now, std::chrono::microseconds(100));
    i = (i + 7919) % n.nodes.size();  // a prime stride visits every node in turn
  }
  state.SetItemsProcessed(state.iterations() * 2);  // two reports per iteration
}

const bool registered = [] {
  for (const auto& policy : balancerRegistry().list()) {
    benchmark::RegisterBenchmark(("pick/" + policy).c_str(), pick, policy)
        ->Arg(10)
        ->Arg(1000)
        ->Arg(10000);
    benchmark::RegisterBenchmark(("load_update/" + policy).c_str(), loadUpdate, policy)
        ->Arg(10)
        ->Arg(1000)
        ->Arg(10000);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();

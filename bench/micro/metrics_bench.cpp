// SPDX-License-Identifier: Apache-2.0
// What recording a metric costs on the hot path, single-threaded (targets: a counter increment
// under 20 ns, a histogram sample under 50 ns).
#include <benchmark/benchmark.h>

#include "scales/metrics/registry.h"

namespace {
using namespace scales::metrics;

void counterIncrement(benchmark::State& state) {
  Registry registry;
  auto counter = registry.counter("requests", {{"service", "bench"}});
  for (auto _ : state) counter->add();
  benchmark::DoNotOptimize(counter->value());
}
BENCHMARK(counterIncrement);

void histogramSample(benchmark::State& state) {
  Registry registry;
  auto histogram = registry.histogram("latency_us", {{"service", "bench"}});
  int64_t micros = 1;
  for (auto _ : state) {
    histogram->recordMicros(micros);
    micros = micros * 7 % 100003;  // spread over many buckets
  }
  benchmark::DoNotOptimize(histogram->snapshot().count);
}
BENCHMARK(histogramSample);

void snapshotOfAThousandEndpoints(benchmark::State& state) {
  Registry registry;
  std::vector<std::shared_ptr<Histogram>> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(registry.histogram("latency_us", {{"endpoint", std::to_string(i)}}));
  }
  for (auto _ : state) benchmark::DoNotOptimize(registry.snapshot());
}
BENCHMARK(snapshotOfAThousandEndpoints)->Unit(benchmark::kMillisecond);

}  // namespace

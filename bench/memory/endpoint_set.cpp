// SPDX-License-Identifier: Apache-2.0
// A client over a large endpoint set: its memory, and the time to apply a discovery update.
//
// The set comes from a resolver scheme registered here (membench://, through the public
// discovery::registerResolver), so the benchmark hands the client exactly the set it wants and
// times exactly the client's work on an update: the listener call, on the client's own loop,
// in which BalancedService::onUpdate rebuilds its endpoint map, makes nodes for new endpoints,
// closes removed ones, and republishes the balancer's and the panic mode's view. Building the
// update (the resolver's work) is outside the timing.
//
// Nothing listens on these endpoints (127.x.y.z, port 9), and nothing connects to them: no call
// is made and preconnect is off, so the client holds only its per-endpoint state. The cost of a
// pick over as many endpoints is scales-micro-bench's pick/<balancer>/10000 (bench/micro/):
// measuring it through this client would need every picked endpoint to answer.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "Bench.scales.h"
#include "measurements.h"
#include "scales/discovery/resolver.h"
#include "scales/metrics/registry.h"
#include "waiting.h"

namespace scales::bench {
namespace {

using Clock = std::chrono::steady_clock;

// What the registered resolver shares with the benchmark: the client's listener and executor,
// once the client has started its resolver.
struct Feed {
  std::mutex mutex;
  discovery::Resolver::Listener listener;
  boost::asio::any_io_executor executor;
  std::shared_ptr<bool> stopped;  // set on the client's loop when it stops the resolver
};

Feed& feed() {
  static Feed instance;
  return instance;
}

// Delivers nothing by itself: the benchmark delivers each update through applyUpdate().
class FeedResolver final : public discovery::Resolver {
 public:
  explicit FeedResolver(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  ~FeedResolver() override {
    std::lock_guard lock(feed().mutex);
    feed().listener = nullptr;
  }
  void start(Listener listener) override {
    std::lock_guard lock(feed().mutex);
    feed().listener = std::move(listener);
    feed().executor = executor_;
    feed().stopped = stopped_;
  }
  void stop() override { *stopped_ = true; }

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

void registerScheme() {
  static std::once_flag once;
  std::call_once(once, [] {
    discovery::registerResolver(
        "membench",
        [](const discovery::Uri&, boost::asio::any_io_executor executor,
           const discovery::ResolverOptions&) -> std::unique_ptr<discovery::Resolver> {
          return std::make_unique<FeedResolver>(std::move(executor));
        });
  });
}

// Runs the client's listener with `update` on its loop; returns how long the call took, in
// microseconds. The update stays the caller's, so nothing of it is freed on the loop later.
double applyUpdate(const std::shared_ptr<const discovery::ResolverUpdate>& update,
                   std::chrono::milliseconds timeout) {
  auto took = std::make_shared<std::promise<double>>();
  auto result = took->get_future();
  {
    std::lock_guard lock(feed().mutex);
    if (!feed().listener) throw std::runtime_error("the client has not started its resolver");
    boost::asio::post(
        feed().executor, [listener = feed().listener, stopped = feed().stopped, update, took] {
          if (*stopped) {
            return took->set_exception(
                std::make_exception_ptr(std::runtime_error("the client stopped its resolver")));
          }
          auto start = Clock::now();
          listener(*update);
          took->set_value(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        });
  }
  if (result.wait_for(timeout) != std::future_status::ready) {
    throw std::runtime_error("an endpoint update was not applied within " +
                             std::to_string(timeout.count()) + " ms");
  }
  return result.get();
}

discovery::Endpoint endpointNumber(size_t i, int first_octet_offset) {
  return {"127." + std::to_string(1 + first_octet_offset + (i >> 16)) + "." +
              std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255),
          9};
}

}  // namespace

void measureEndpointSet(const MemoryOptions& options, Report& report) {
  registerScheme();
  const size_t count = options.endpoints;
  // The sets the "resolver" delivers are the benchmark's, built before the first sample.
  auto empty = std::make_shared<discovery::ResolverUpdate>();
  auto full = std::make_shared<discovery::ResolverUpdate>();
  full->endpoints.reserve(count);
  for (size_t i = 0; i < count; ++i) full->endpoints.push_back(endpointNumber(i, 0));
  std::vector<std::shared_ptr<discovery::ResolverUpdate>> changed;
  for (size_t r = 0; r < options.updates; ++r) {
    // Each update changes one endpoint of the one before: a new address in a spread-out slot.
    auto next =
        std::make_shared<discovery::ResolverUpdate>(changed.empty() ? *full : *changed.back());
    next->endpoints[(r * 7919) % count] = endpointNumber(r, 200);
    changed.push_back(std::move(next));
  }

  auto before = sampleMemory();
  std::optional<bench_scales::BenchClient> client;
  client.emplace(bench_scales::BenchClient::make("membench://set?timeout_ms=" +
                                                 std::to_string(options.timeout.count())));
  const auto executor = client->thriftClient()->executor();
  applyUpdate(empty, options.timeout);
  drainLoop(executor, options.timeout);
  auto no_endpoints = sampleMemory();

  double first = applyUpdate(full, options.timeout);
  drainLoop(executor, options.timeout);
  auto with_endpoints = sampleMemory();

  std::vector<double> micros;
  for (const auto& update : changed) micros.push_back(applyUpdate(update, options.timeout));
  drainLoop(executor, options.timeout);
  auto after_updates = sampleMemory();
  // A removed endpoint's metrics stay in the registry until it is next read (a scrape, an
  // export), which forgets what nobody records into any more.
  metrics::defaultRegistry().snapshot();
  auto after_scrape = sampleMemory();

  client.reset();
  auto closed = sampleMemory();
  metrics::defaultRegistry().snapshot();
  auto closed_scraped = sampleMemory();

  auto n = static_cast<int64_t>(count);
  auto per_endpoint = perThing(no_endpoints, with_endpoints, count);
  auto whole = perThing(before, with_endpoints, 1);
  auto drift = perThing(with_endpoints, after_updates, 1);
  auto drift_scraped = perThing(with_endpoints, after_scrape, 1);
  auto retained = perThing(before, closed, 1);
  auto retained_scraped = perThing(before, closed_scraped, 1);
  std::sort(micros.begin(), micros.end());
  report.add({.measure = "endpoint_in_set",
              .side = "client",
              .count = n,
              .per = "endpoint",
              .heap_bytes = per_endpoint.heap,
              .rss_bytes = per_endpoint.rss,
              .note = "not connected; default balancer (aperture)"});
  report.add({.measure = "client_over_set",
              .side = "client",
              .count = 1,
              .per = "client",
              .heap_bytes = whole.heap,
              .rss_bytes = whole.rss,
              .note = "the whole client with " + std::to_string(count) +
                      " endpoints, its loop thread included"});
  report.add({.measure = "first_update",
              .side = "client",
              .count = 1,
              .per = "update",
              .is_time = true,
              .micros = first,
              .max_micros = first,
              .note = std::to_string(count) + " new endpoints"});
  report.add({.measure = "update_one_changed",
              .side = "client",
              .count = static_cast<int64_t>(micros.size()),
              .per = "update",
              .is_time = true,
              .micros = micros[micros.size() / 2],
              .max_micros = micros.back(),
              .note = "median (max) over updates of " + std::to_string(count) + " endpoints"});
  report.add({.measure = "growth_after_updates",
              .side = "client",
              .count = static_cast<int64_t>(micros.size()),
              .per = "all",
              .heap_bytes = drift.heap,
              .rss_bytes = kNotMeaningful,
              .note = "over all the updates together (0: nothing kept)"});
  report.add({.measure = "growth_after_updates_and_scrape",
              .side = "client",
              .count = static_cast<int64_t>(micros.size()),
              .per = "all",
              .heap_bytes = drift_scraped.heap,
              .rss_bytes = kNotMeaningful,
              .note = "the same, once the metrics registry has been read"});
  report.add({.measure = "client_over_set_after_close",
              .side = "client",
              .count = 1,
              .per = "client",
              .heap_bytes = retained.heap,
              .rss_bytes = kNotMeaningful,
              .note = "still allocated once the client is closed and destroyed"});
  report.add({.measure = "client_over_set_after_close_and_scrape",
              .side = "client",
              .count = 1,
              .per = "client",
              .heap_bytes = retained_scraped.heap,
              .rss_bytes = kNotMeaningful,
              .note = "the same, once the metrics registry has been read"});
}

}  // namespace scales::bench

// SPDX-License-Identifier: Apache-2.0
// Bytes per idle Mux connection, client and server.
//
// A Mux client holds one connection per endpoint, so N connections from one client need N
// endpoints, that is N servers (or addresses) on this machine. Instead this opens N clients, all
// on one shared event loop, each over the same server endpoint, in two steps: creating them
// (their stacks, endpoint nodes and metrics, no connection yet: a call or preconnect opens it),
// then making one call on each, which opens its connection. The second step's growth is what an
// idle connection costs the client: the Mux session, its buffers and socket, and whatever the
// first call leaves behind on that endpoint; the first step's, per client, is reported beside
// it. The server, in its own process, is sampled before and after: its growth per connection.
//
// Not counted: the kernel's side of each connection (its socket structures and buffers, and a
// descriptor on each side), which no allocator sees.
#include <string>
#include <vector>

#include "Bench.scales.h"
#include "measurements.h"
#include "scales/core/runtime.h"
#include "scales/metrics/registry.h"
#include "waiting.h"

namespace scales::bench {

void measureIdleConnections(const MemoryOptions& options, ServerControl& server, Report& report) {
  const size_t count = options.connections;
  const std::string uri = "tcp://127.0.0.1:" + std::to_string(server.port()) +
                          "?timeout_ms=" + std::to_string(options.timeout.count());
  const std::string payload(options.payload, 'x');
  Runtime loop(1);
  std::vector<bench_scales::BenchClient> clients;
  clients.reserve(count);  // the benchmark's own list, allocated before the first sample

  drainLoop(loop.executor(), options.timeout);
  auto before = sampleMemory();
  auto server_before = server.sample();
  for (size_t i = 0; i < count; ++i) {
    ClientConfig config;
    config.executor = loop.executor();
    // Distinct names, as distinct clients of a real process have: each has its own metrics.
    config.name = "memory-bench-" + std::to_string(i);
    clients.push_back(bench_scales::BenchClient::make(uri, config));
  }
  drainLoop(loop.executor(), options.timeout);
  auto created = sampleMemory();

  Countdown answered(count);
  for (auto& client : clients) {
    client.echo(payload,
                [&answered](std::exception_ptr error, std::string) { answered.done(error); });
  }
  if (!answered.waitFor(options.timeout)) {
    throw std::runtime_error(std::to_string(answered.remaining()) + " of " + std::to_string(count) +
                             " first calls not answered within " +
                             std::to_string(options.timeout.count()) + " ms");
  }
  if (answered.errors() > 0) {
    throw std::runtime_error(std::to_string(answered.errors()) +
                             " first calls failed: " + answered.firstError());
  }
  drainLoop(loop.executor(), options.timeout);
  auto connected = sampleMemory();
  auto server_connected = server.sample();
  if (server_connected.connections < count) {
    throw std::runtime_error("the server counts " + std::to_string(server_connected.connections) +
                             " open connections, expected " + std::to_string(count));
  }

  clients.clear();  // each closes, its connection too
  drainLoop(loop.executor(), options.timeout);
  auto closed = sampleMemory();
  // The registry forgets the metrics nobody records into any more when it is next read (a
  // scrape of the metrics endpoint, an export); until then a closed client's stay.
  metrics::defaultRegistry().snapshot();
  auto scraped = sampleMemory();

  auto per_client = perThing(before, created, count);
  auto per_connection = perThing(created, connected, count);
  auto per_server_connection = perThing(server_before.memory, server_connected.memory, count);
  auto retained = perThing(before, closed, count);
  auto retained_scraped = perThing(before, scraped, count);
  auto n = static_cast<int64_t>(count);
  report.add({.measure = "idle_connection",
              .side = "client",
              .count = n,
              .per = "connection",
              .heap_bytes = per_connection.heap,
              .rss_bytes = per_connection.rss,
              .note = "Mux, after one call; kernel socket buffers not counted"});
  report.add({.measure = "idle_connection",
              .side = "server",
              .count = n,
              .per = "connection",
              .heap_bytes = per_server_connection.heap,
              .rss_bytes = per_server_connection.rss,
              .note = "after one call; kernel socket buffers not counted"});
  report.add({.measure = "client_without_connection",
              .side = "client",
              .count = n,
              .per = "client",
              .heap_bytes = per_client.heap,
              .rss_bytes = per_client.rss,
              .note = "one endpoint, shared loop, own metrics, not connected"});
  report.add({.measure = "client_after_close",
              .side = "client",
              .count = n,
              .per = "client",
              .heap_bytes = retained.heap,
              .rss_bytes = kNotMeaningful,
              .note = "still allocated once the client is closed and destroyed"});
  report.add({.measure = "client_after_close_and_scrape",
              .side = "client",
              .count = n,
              .per = "client",
              .heap_bytes = retained_scraped.heap,
              .rss_bytes = kNotMeaningful,
              .note = "the same, once the metrics registry has been read"});
}

}  // namespace scales::bench

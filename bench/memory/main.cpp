// SPDX-License-Identifier: Apache-2.0
// scales-memory-bench: what scales' client and server hold in memory (issue #23): bytes per idle
// connection, per call in flight, and a client over a large endpoint set, with the time to
// update that set. Everything runs on 127.0.0.1; the server runs in a child process (this same
// binary, `server`) so that each side's heap is measured alone. scripts/bench_memory.sh builds
// and runs it.
//   scales-memory-bench [--connections N] [--calls K] [--payload BYTES] [--endpoints E]
//                       [--updates R] [--only connections|calls|endpoints] [--timeout S] [--json]
//   scales-memory-bench server --max-calls K --payload BYTES  (started by the above)
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <optional>

#include "measurements.h"
#include "server_process.h"

int main(int argc, char** argv) {
  using namespace scales::bench;
  CLI::App app{"scales-memory-bench: bytes per idle connection, per call in flight, per endpoint"};
  MemoryOptions options;
  std::string only;
  bool json = false;
  double timeout_seconds = 30;
  app.add_option("--connections", options.connections, "idle connections (one client each)")
      ->check(CLI::Range(size_t{1}, size_t{8000}));
  app.add_option("--calls", options.calls, "calls held in flight at once")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--payload", options.payload, "bytes per call")
      ->check(CLI::Range(size_t{1}, size_t{4096}));
  app.add_option("--endpoints", options.endpoints, "endpoints of the large client")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--updates", options.updates, "updates of that set, each timed")
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  app.add_option("--only", only, "run one measurement")
      ->check(CLI::IsMember({"connections", "calls", "endpoints"}));
  app.add_option("--timeout", timeout_seconds, "bound on every wait, in seconds")
      ->check(CLI::Range(1.0, 300.0));
  app.add_flag("--json", json, "one JSON line per measurement instead of the table");
  size_t server_max_calls = 0, server_payload = 0;
  auto* server = app.add_subcommand("server", "the server process (started by the benchmark)");
  server->add_option("--max-calls", server_max_calls)->required();
  server->add_option("--payload", server_payload)->required();
  CLI11_PARSE(app, argc, argv);

  if (*server) return runServerProcess(server_max_calls, server_payload);
  // Each side holds every call's bytes at least once while they are in flight.
  constexpr size_t kMaxBytesInFlight = size_t{256} << 20;
  if (options.calls * options.payload > kMaxBytesInFlight) {
    std::cerr << "scales-memory-bench: --calls x --payload is over 256 MiB in flight\n";
    return 2;
  }

  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  // A server that dies must show as an error from the next command, not kill us on a write.
  std::signal(SIGPIPE, SIG_IGN);
  Report report;
  try {
    bool all = only.empty();
    std::optional<ServerControl> server_process;
    if (all || only != "endpoints") {
      // Both processes hold one descriptor per connection, besides their usual few.
      ensureDescriptors(options.connections + 256);
      server_process.emplace(options.calls, options.payload, options.timeout);
    }
    // Calls first: the idle connections' clients, closed last, would otherwise still be
    // closing on the server while it is sampled.
    if (all || only == "calls") measureCallsInFlight(options, *server_process, report);
    if (all || only == "connections") measureIdleConnections(options, *server_process, report);
    server_process.reset();
    if (all || only == "endpoints") measureEndpointSet(options, report);
  } catch (const std::exception& e) {
    std::cerr << "scales-memory-bench: " << e.what() << "\n";
    return 1;
  }
  if (json) {
    report.printJsonLines();
  } else {
    report.printTable();
  }
  return 0;
}

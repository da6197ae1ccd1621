// SPDX-License-Identifier: Apache-2.0
// scales-loadgen: one binary, every peer of the benchmark, as a server or a client.
//   scales-loadgen server {scales|scales-2io|scales-tls|thrift-nb|thrift-threaded|grpc|raw}
//                  [--tls-dir D]
//   scales-loadgen client {scales-mux|scales-mux-tls|scales-mux-traced|scales-mux-sync|
//                          scales-framed|scales-pipelined|
//                          thrift-sync|thrift-concurrent|grpc|raw}
//                  --port P --concurrency C --payload BYTES {--seconds S | --calls N}
//                  [--tls-dir D] [--sample-rate R]
#include <CLI/CLI.hpp>
#include <iostream>

#include "measure.h"

int main(int argc, char** argv) {
  using namespace scales::bench;
  CLI::App app{"scales-loadgen: echo load against scales and its peers"};
  app.require_subcommand(1);
  std::string server_kind;
  auto* server = app.add_subcommand("server", "serve echo until SIGTERM; prints PORT, then CPU_US");
  server
      ->add_option("kind", server_kind,
                   "scales | scales-2io | scales-tls | thrift-nb | thrift-threaded | grpc | raw")
      ->required();
  std::string server_tls_dir;
  server->add_option("--tls-dir", server_tls_dir, "scales-tls: holds server.crt, server.key");
  LoadSpec spec;
  auto* client = app.add_subcommand("client", "run closed-loop echo load; prints one JSON line");
  client
      ->add_option(
          "kind", spec.kind,
          "scales-mux | scales-mux-traced | scales-mux-sync | scales-framed | scales-pipelined | "
          "thrift-sync | "
          "thrift-concurrent | grpc | raw")
      ->required();
  client->add_option("--port", spec.port)->required();
  client->add_option("--concurrency", spec.concurrency)->check(CLI::Range(1, 4096));
  client->add_option("--payload", spec.payload)->check(CLI::Range(1, 1 << 20));
  auto* seconds = client->add_option("--seconds", spec.seconds)->check(CLI::Range(0.1, 60.0));
  client
      ->add_option("--calls", spec.calls,
                   "run exactly N calls in total, all measured, no warm-up (instead of --seconds)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->excludes(seconds);
  client->add_option("--tls-dir", spec.tls_dir, "scales-mux-tls: holds ca.crt");
  client
      ->add_option("--sample-rate", spec.sample_rate,
                   "scales-mux-traced: the share of calls traced (default 0.01)")
      ->check(CLI::Range(0.0, 1.0));
  CLI11_PARSE(app, argc, argv);

  if (*server) {
    blockStopSignals();
    if (server_kind == "scales") return runScalesServer("");
    if (server_kind == "scales-2io") return runScalesServer("", 2);
    if (server_kind == "scales-tls") return runScalesServer(server_tls_dir);
    if (server_kind == "thrift-nb") return runThriftNonblockingServer();
    if (server_kind == "thrift-threaded") return runThriftThreadedServer();
    if (server_kind == "grpc") return runGrpcServer();
    if (server_kind == "raw") return runRawServer();
    std::cerr << "unknown server kind " << server_kind << "\n";
    return 2;
  }
  if (spec.kind != "scales-mux-tls") spec.tls_dir.clear();  // the script passes it to every peer
  if (spec.calls > 0 && spec.calls < static_cast<uint64_t>(spec.concurrency)) {
    std::cerr << "--calls must be at least --concurrency\n";
    return 2;
  }
  LatencyLog log;
  LoadResult result;
  // A counted run has no time window; its rate and CPU per call cover the whole run, connecting
  // included.
  const auto run_start = Clock::now();
  const double run_cpu_start = processCpuMicros();
  if (spec.kind == "scales-mux" || spec.kind == "scales-mux-tls") {
    result = runScalesClient(spec, ScalesTransport::kMux, log);
  } else if (spec.kind == "scales-mux-traced") {
    result = runScalesClient(spec, ScalesTransport::kMuxTraced, log);
  } else if (spec.kind == "scales-mux-sync") {
    result = runScalesSyncClient(spec, log);
  } else if (spec.kind == "scales-framed") {
    result = runScalesClient(spec, ScalesTransport::kFramed, log);
  } else if (spec.kind == "scales-pipelined") {
    result = runScalesClient(spec, ScalesTransport::kFramedPipelined, log);
  } else if (spec.kind == "thrift-sync") {
    result = runThriftSyncClients(spec, log);
  } else if (spec.kind == "thrift-concurrent") {
    result = runThriftConcurrentClient(spec, log);
  } else if (spec.kind == "grpc") {
    result = runGrpcAsyncClient(spec, log);
  } else if (spec.kind == "raw") {
    result = runRawClient(spec, log);
  } else {
    std::cerr << "unknown client kind " << spec.kind << "\n";
    return 2;
  }
  if (spec.calls > 0) {
    result.cpu_micros = processCpuMicros() - run_cpu_start;
    result.window_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
  }
  report(spec, result, log);
  return result.errors == 0 ? 0 : 1;
}

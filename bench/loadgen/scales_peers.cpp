// SPDX-License-Identifier: Apache-2.0
// The scales peers: the Mux server (which also serves framed Thrift) and the generated client,
// over Mux or framed Thrift (one call per connection, or pipelined), driven closed-loop from its
// own event loop.
#include <atomic>
#include <future>
#include <iostream>
#include <thread>

#include "Bench.scales.h"
#include "measure.h"
#include "scales/server/thrift_server.h"
#include "scales/zipkin/exporters.h"

namespace scales::bench {
namespace {

class Echo : public bench_scales::BenchAsyncHandler {
 public:
  void echo(const std::string& payload, server::Reply<std::string> reply) override {
    reply(payload);
  }
};

}  // namespace

int runScalesServer(const std::string& tls_dir, int io_threads) {
  server::ServerOptions options;
  options.io_threads = io_threads;
  if (!tls_dir.empty()) {
    options.tls.cert = tls_dir + "/server.crt";
    options.tls.key = tls_dir + "/server.key";
  }
  server::ThriftServer server(
      std::make_shared<bench_scales::BenchDispatcher>(
          std::shared_ptr<bench_scales::BenchAsyncHandler>(std::make_shared<Echo>())),
      options);
  server.start();
  std::cout << "PORT " << server.port() << std::endl;
  waitForStopAndReportCpu();
  return 0;
}

LoadResult runScalesClient(const LoadSpec& spec, ScalesTransport transport, LatencyLog& log) {
  std::string uri =
      "tcp://127.0.0.1:" + std::to_string(spec.port) + "?timeout_ms=30000&max_waiters=100000";
  if (transport == ScalesTransport::kFramed) {
    uri += "&transport=framed&high_watermark=" + std::to_string(spec.concurrency);
  } else if (transport == ScalesTransport::kFramedPipelined) {
    uri += "&transport=framed&pipelined=true";
  }
  if (!spec.tls_dir.empty()) uri += "&tls=true&tls_ca=" + spec.tls_dir + "/ca.crt";
  if (transport == ScalesTransport::kMuxTraced) {
    tracing::TracerOptions options;
    options.service_name = "loadgen";
    options.sample_rate = spec.sample_rate;
    tracing::install(std::make_shared<tracing::Tracer>(
        options, std::make_shared<zipkin::JsonLinesExporter>("/dev/null")));
  }
  auto client = bench_scales::BenchClient::make(uri);
  const std::string payload = makePayload(spec.payload);
  client.echo(payload);  // connected before the clock starts

  Window window(spec);
  std::atomic<uint64_t> measured{0}, all{0}, errors{0};
  std::atomic<int> active{spec.concurrency};
  std::promise<void> finished;
  // Each completion issues the next call from the client's own thread (a closed loop).
  std::function<void()> issue = [&] {
    auto start = Clock::now();
    client.echo(payload, [&, start](std::exception_ptr error, std::string) {
      auto now = Clock::now();
      ++all;
      if (error) ++errors;
      if (window.measuring(now)) {
        ++measured;
        log.record(now - start);
      }
      if (window.issueAnother(now)) return issue();
      if (--active == 0) finished.set_value();
    });
  };
  for (int i = 0; i < spec.concurrency; ++i) issue();
  std::this_thread::sleep_until(window.measureFrom());
  double cpu_start = processCpuMicros();
  std::this_thread::sleep_until(window.stopAt());
  double cpu_end = processCpuMicros();
  finished.get_future().get();
  if (transport == ScalesTransport::kMuxTraced) {
    // Two spans per sampled call: the call's and its attempt's.
    std::cerr << "traced calls " << tracing::current()->recorded() / 2 << " of " << all << "\n";
    tracing::install(nullptr);
  }
  return {measured, all, errors, cpu_end - cpu_start, spec.seconds};
}

LoadResult runScalesSyncClient(const LoadSpec& spec, LatencyLog& log) {
  auto client = bench_scales::BenchClient::make("tcp://127.0.0.1:" + std::to_string(spec.port) +
                                                "?timeout_ms=30000&max_waiters=100000");
  const std::string payload = makePayload(spec.payload);
  client.echo(payload);  // connected before the clock starts
  return runThreads(spec, log, [&] { return [&] { client.echo(payload); }; });
}

}  // namespace scales::bench

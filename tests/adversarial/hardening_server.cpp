// SPDX-License-Identifier: Apache-2.0
// A scales ThriftServer serving the Flaky service with an echo handler (echo_handler.h), in its
// own process, for the adversarial tests: every ServerOptions limit is a flag, so each test starts
// it with small limits and attacks it over raw sockets.
//   hardening_server [--handler async|sync] [--max-connections N] [--read-timeout-ms N] ...
// Prints "listening <port> pid <pid>" once it accepts. On SIGTERM (or SIGINT) it stops (draining)
// and prints its ServerStats, the handler's invocation counts and its peak RSS as one JSON line.
// --max-fds N lowers its own RLIMIT_NOFILE first, so a test can run it out of descriptors.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "echo_handler.h"
#include "scales/server/thrift_server.h"
#include "scales/zipkin/exporters.h"
#include "support/stop_signals.h"

namespace {
using scales::server::ServerOptions;
using scales::server::ServerStats;

nlohmann::json statsJson(const ServerStats& s) {
  return {{"connects", s.connects},
          {"downgraded_connects", s.downgraded_connects},
          {"discarded", s.discarded},
          {"orphaned_discards", s.orphaned_discards},
          {"accept_pauses", s.accept_pauses},
          {"accept_errors", s.accept_errors},
          {"handshake_timeouts", s.handshake_timeouts},
          {"read_timeouts", s.read_timeouts},
          {"idle_timeouts", s.idle_timeouts},
          {"ping_timeouts", s.ping_timeouts},
          {"calls_refused", s.calls_refused},
          {"deadline_expired", s.deadline_expired},
          {"backpressure_pauses", s.backpressure_pauses},
          {"memory_pauses", s.memory_pauses},
          {"protocol_errors", s.protocol_errors},
          {"handler_errors", s.handler_errors},
          {"plaintext_refused", s.plaintext_refused},
          {"tls_handshakes", s.tls_handshakes},
          {"tls_handshake_failures", s.tls_handshake_failures},
          {"open_connections", s.open_connections}};
}

int64_t peakRssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}
}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  std::string handler_kind = "async";
  int64_t max_fds = 0;
  int64_t drain_ms = options.drain_timeout.count();
  int64_t handshake_ms = options.handshake_timeout.count();
  int64_t read_ms = options.read_timeout.count();
  int64_t idle_ms = options.idle_timeout.count();
  int64_t ping_interval_ms = options.ping_interval.count();
  int64_t ping_timeout_ms = options.ping_timeout.count();

  CLI::App app{"hardening_server"};
  app.add_option("--port", options.port, "0: any");
  app.add_option("--handler", handler_kind, "async (timers) or sync (handler threads)")
      ->check(CLI::IsMember({"async", "sync"}));
  app.add_option("--io-threads", options.io_threads);
  app.add_option("--handler-threads", options.handler_threads);
  app.add_option("--max-fds", max_fds, "RLIMIT_NOFILE for this process (0: unchanged)");
  app.add_option("--drain-timeout-ms", drain_ms);
  app.add_option("--max-connections", options.max_connections);
  app.add_option("--handshake-timeout-ms", handshake_ms);
  app.add_option("--read-timeout-ms", read_ms);
  app.add_option("--idle-timeout-ms", idle_ms);
  app.add_option("--ping-interval-ms", ping_interval_ms);
  app.add_option("--ping-timeout-ms", ping_timeout_ms);
  app.add_option("--max-calls-per-connection", options.max_calls_per_connection);
  app.add_option("--max-pending-calls", options.max_pending_calls);
  app.add_option("--max-reassembling-messages", options.max_reassembling_messages);
  app.add_option("--max-unsent-bytes", options.max_unsent_bytes);
  app.add_option("--max-buffered-bytes", options.max_buffered_bytes);
  app.add_option("--max-frame-bytes", options.max_frame_bytes);
  app.add_option("--max-message-bytes", options.max_message_bytes);
  std::string trace_file;
  size_t trace_queue = 10000;
  app.add_option("--trace-file", trace_file,
                 "install a tracer (sampling 0: only callers' decisions) writing JSON lines here");
  app.add_option("--trace-queue", trace_queue, "the tracer's queue_capacity");
  // TLS on the same port as plaintext, so the legitimate (plaintext) clients keep calling.
  app.add_option("--tls-cert", options.tls.cert);
  app.add_option("--tls-key", options.tls.key);
  options.tls.allow_plaintext = true;
  CLI11_PARSE(app, argc, argv);

  using ms = std::chrono::milliseconds;
  options.host = "127.0.0.1";
  options.drain_timeout = ms(drain_ms);
  options.handshake_timeout = ms(handshake_ms);
  options.read_timeout = ms(read_ms);
  options.idle_timeout = ms(idle_ms);
  options.ping_interval = ms(ping_interval_ms);
  options.ping_timeout = ms(ping_timeout_ms);

  if (max_fds > 0) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = static_cast<rlim_t>(max_fds);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      std::cerr << "setrlimit(RLIMIT_NOFILE, " << max_fds << ") failed\n";
      return 2;
    }
  }

  sigset_t signals = scales::testing::blockStopSignals();

  auto ledger = std::make_shared<scales::adversarial::EchoLedger>();
  std::shared_ptr<scales::adversarial::AsyncEchoHandler> async_handler;
  std::shared_ptr<flaky::FlakyDispatcher> dispatcher;
  if (handler_kind == "sync") {
    dispatcher = std::make_shared<flaky::FlakyDispatcher>(
        std::make_shared<scales::adversarial::BlockingEchoHandler>(ledger));
  } else {
    async_handler = std::make_shared<scales::adversarial::AsyncEchoHandler>(ledger);
    dispatcher = std::make_shared<flaky::FlakyDispatcher>(async_handler);
  }
  std::shared_ptr<scales::tracing::Tracer> tracer;
  if (!trace_file.empty()) {
    scales::tracing::TracerOptions tracing;
    tracing.service_name = "hardening";
    tracing.sample_rate = 0;
    tracing.queue_capacity = trace_queue;
    tracer = std::make_shared<scales::tracing::Tracer>(
        tracing, std::make_shared<scales::zipkin::JsonLinesExporter>(trace_file));
    scales::tracing::install(tracer);
  }
  scales::server::ThriftServer server(dispatcher, options);
  auto report = [&] {
    nlohmann::json j = statsJson(server.stats());
    j["handler_calls"] = ledger->calls();
    j["calls_by_prefix"] = ledger->callsByPrefix();
    j["peak_rss_kib"] = peakRssKiB();
    if (tracer) {
      j["tracing_spans_recorded"] = tracer->recorded();
      j["tracing_spans_dropped"] = tracer->dropped();
    }
    return j;
  };
  ledger->stats_json = [&] { return report().dump(); };
  server.start();
  std::cout << "listening " << server.port() << " pid " << getpid() << std::endl;

  scales::testing::waitForStopSignal(signals);
  server.stop();
  if (async_handler) async_handler->stop();
  std::cout << report().dump() << std::endl;
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// What every load-generator peer shares: the run's parameters, the closed-loop timing rules, the
// latency log and the one JSON line each run prints.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace scales::bench {

using Clock = std::chrono::steady_clock;

struct LoadSpec {
  std::string kind;
  std::string tls_dir;  // scales-mux-tls: where ca.crt is
  uint16_t port = 0;
  int concurrency = 1;
  size_t payload = 32;
  double seconds = 2.0;
  double warmup_seconds = 0.25;
  double sample_rate = 0.01;  // scales-mux-traced: the share of calls traced
  // > 0: run exactly this many calls in total (all measured, no warm-up) instead of for
  // `seconds`, so an instruction count (scripts/bench_instructions.sh) covers a known number of
  // calls however slowly the client runs.
  uint64_t calls = 0;
};

// Phases of one closed-loop run: warm-up (not measured), measured window, then drain. With
// `spec.calls` there is no warm-up and the window is a budget of calls rather than a time: both
// time points are the start (so waiting for them returns at once) and every call is measured.
class Window {
 public:
  explicit Window(const LoadSpec& spec);
  bool measuring(Clock::time_point now) const {
    return counted_ || (now >= measure_from_ && now < stop_at_);
  }
  bool open(Clock::time_point now) const {
    return counted_ ? remaining_.load() > 0 : now < stop_at_;
  }
  // Whether a loop that has just completed a call issues another. Counting, this takes one call
  // of the budget (thread-safe), so call it exactly once per completion: the `concurrency` first
  // calls plus one per "yes" make exactly `spec.calls`.
  bool issueAnother(Clock::time_point now) {
    return counted_ ? remaining_.fetch_sub(1) > 0 : now < stop_at_;
  }
  Clock::time_point measureFrom() const { return measure_from_; }
  Clock::time_point stopAt() const { return stop_at_; }

 private:
  bool counted_;
  std::atomic<int64_t> remaining_{0};  // counting: calls still to issue after the first ones
  Clock::time_point measure_from_;
  Clock::time_point stop_at_;
};

// Latencies of measured requests; record() is thread-safe per recorder instance.
class LatencyLog {
 public:
  void record(Clock::duration latency);
  void merge(LatencyLog& other);
  uint64_t count() const { return samples_.size(); }
  double percentileMicros(double p);

 private:
  std::mutex mutex_;
  std::vector<uint32_t> samples_;  // nanoseconds, capped at ~4.29 s
};

// user + system CPU of this process so far.
double processCpuMicros();

struct LoadResult {
  uint64_t measured = 0;      // requests completed in the measured window
  uint64_t all_requests = 0;  // including warm-up (the server's CPU covers all of them)
  uint64_t errors = 0;
  double cpu_micros = 0;  // this process, over the measured window
  double window_seconds = 0;
};

// One JSON line on stdout.
void report(const LoadSpec& spec, LoadResult result, LatencyLog& latencies);

std::string makePayload(size_t size);

// Peers: each runs a server until SIGTERM (printing "PORT n" when ready), or a client run.
// `tls_dir`: empty for plaintext, else a directory holding ca.crt, server.crt and server.key
// (scripts/bench.sh makes them with openssl): the server is TLS-only and the client uses TLS from
// the first byte.
// Closed loops on spec.concurrency application threads, each making blocking calls through the
// caller `make_caller()` gives it (its own client, or one shared by every thread).
template <class MakeCaller>
inline LoadResult runThreads(const LoadSpec& spec, LatencyLog& log, MakeCaller make_caller) {
  Window window(spec);
  std::atomic<uint64_t> measured{0}, all{0}, errors{0};
  std::vector<std::thread> threads;
  std::vector<LatencyLog> logs(static_cast<size_t>(spec.concurrency));
  for (int t = 0; t < spec.concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto call = make_caller();
      while (true) {
        auto start = Clock::now();
        try {
          call();
        } catch (const std::exception&) {
          ++errors;
        }
        auto now = Clock::now();
        ++all;
        if (window.measuring(now)) {
          ++measured;
          logs[static_cast<size_t>(t)].record(now - start);
        }
        if (!window.issueAnother(now)) break;
      }
    });
  }
  std::this_thread::sleep_until(window.measureFrom());
  double cpu_start = processCpuMicros();
  std::this_thread::sleep_until(window.stopAt());
  double cpu_end = processCpuMicros();
  for (auto& th : threads) th.join();
  for (auto& l : logs) log.merge(l);
  return {measured, all, errors, cpu_end - cpu_start, spec.seconds};
}

// io_threads: the server's event loops (ServerOptions::io_threads).
int runScalesServer(const std::string& tls_dir, int io_threads = 1);
// Mux; framed with one call per connection (a connection per call in flight); framed with every
// call pipelined on one connection.
// kMuxTraced: Mux with a tracer installed that samples 1% of calls (spans exported as JSON lines
// to /dev/null, so serializing them is counted): tracing's cost per call.
enum class ScalesTransport { kMux, kMuxTraced, kFramed, kFramedPipelined };
LoadResult runScalesClient(const LoadSpec& spec, ScalesTransport transport, LatencyLog& log);
// One Mux client shared by spec.concurrency application threads making sync calls: how most C++
// services use a client (against thrift-sync's one Apache Thrift client per thread).
LoadResult runScalesSyncClient(const LoadSpec& spec, LatencyLog& log);
int runThriftNonblockingServer();
int runThriftThreadedServer();
LoadResult runThriftSyncClients(const LoadSpec& spec, LatencyLog& log);
LoadResult runThriftConcurrentClient(const LoadSpec& spec, LatencyLog& log);
int runGrpcServer();
LoadResult runGrpcAsyncClient(const LoadSpec& spec, LatencyLog& log);
int runRawServer();
LoadResult runRawClient(const LoadSpec& spec, LatencyLog& log);

// Blocks until SIGTERM or SIGINT, then prints "CPU_US <n>" (this process's total CPU).
void waitForStopAndReportCpu();
// Blocks SIGTERM/SIGINT in this and future threads; call first thing in a server.
void blockStopSignals();

}  // namespace scales::bench

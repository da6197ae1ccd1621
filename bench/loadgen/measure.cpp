// SPDX-License-Identifier: Apache-2.0
#include "measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace scales::bench {

Window::Window(const LoadSpec& spec) : counted_(spec.calls > 0) {
  auto now = Clock::now();
  if (counted_) {
    // main() checks calls >= concurrency: each loop's first call is issued unconditionally.
    remaining_ = static_cast<int64_t>(spec.calls) - spec.concurrency;
    measure_from_ = stop_at_ = now;
    return;
  }
  measure_from_ = now + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(spec.warmup_seconds));
  stop_at_ = measure_from_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(spec.seconds));
}

void LatencyLog::record(Clock::duration latency) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
  std::lock_guard lock(mutex_);
  samples_.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
}

void LatencyLog::merge(LatencyLog& other) {
  std::lock_guard lock(mutex_);
  std::lock_guard other_lock(other.mutex_);
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

double LatencyLog::percentileMicros(double p) {
  std::lock_guard lock(mutex_);
  if (samples_.empty()) return 0;
  size_t k = std::min(samples_.size() - 1, static_cast<size_t>(p * samples_.size()));
  std::nth_element(samples_.begin(), samples_.begin() + k, samples_.end());
  return samples_[k] / 1000.0;
}

double processCpuMicros() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

void report(const LoadSpec& spec, LoadResult r, LatencyLog& latencies) {
  double rps = r.window_seconds > 0 ? r.measured / r.window_seconds : 0;
  double cpu_per_req = r.measured ? r.cpu_micros / r.measured : 0;
  std::printf(
      "{\"kind\":\"%s\",\"concurrency\":%d,\"payload\":%zu,\"rps\":%.0f,\"p50_us\":%.1f,"
      "\"p99_us\":%.1f,\"client_cpu_us\":%.3f,\"measured\":%llu,\"all_requests\":%llu,"
      "\"errors\":%llu}\n",
      spec.kind.c_str(), spec.concurrency, spec.payload, rps, latencies.percentileMicros(0.50),
      latencies.percentileMicros(0.99), cpu_per_req, static_cast<unsigned long long>(r.measured),
      static_cast<unsigned long long>(r.all_requests), static_cast<unsigned long long>(r.errors));
  std::fflush(stdout);
}

std::string makePayload(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

void blockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void waitForStopAndReportCpu() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  std::cout << "CPU_US " << static_cast<long long>(processCpuMicros()) << std::endl;
}

}  // namespace scales::bench

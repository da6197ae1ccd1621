// SPDX-License-Identifier: Apache-2.0
// What a test can see of another process from /proc: alive or not, resident memory (VmRSS), open
// file descriptors and CPU time; and a sampler that keeps the peak RSS while an attack runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace scales::adversarial {

// True while `pid` exists and is not a zombie.
bool processAlive(pid_t pid);
// VmRSS in KiB, or -1 if the process is gone.
int64_t rssKiB(pid_t pid);
// Entries in /proc/PID/fd, or -1 if the process is gone.
int openFds(pid_t pid);
// User plus system CPU time the process has used, in seconds (-1 if gone).
double cpuSeconds(pid_t pid);

// Polls (every 20 ms, up to `timeout`) until `pid` has at most `limit` open fds; returns the last
// count seen. No event tells a test when another process closed a socket, hence the bounded poll.
int waitForFdsAtMost(pid_t pid, int limit, std::chrono::milliseconds timeout);

// Samples VmRSS every 10 ms on its own thread from construction until stop() (or destruction);
// peak() is the largest value seen so far, in KiB.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  int64_t peakKiB() const { return peak_; }
  void stop();

 private:
  pid_t pid_;
  std::atomic<int64_t> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Built with AddressSanitizer: memory bounds and latencies are scaled by this.
constexpr int sanitizerFactor() {
#if defined(__SANITIZE_ADDRESS__)
  return 3;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return 3;
#else
  return 1;
#endif
#else
  return 1;
#endif
}
constexpr bool builtWithAsan() { return sanitizerFactor() > 1; }

}  // namespace scales::adversarial

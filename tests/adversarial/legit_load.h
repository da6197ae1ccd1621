// SPDX-License-Identifier: Apache-2.0
// The legitimate clients that keep calling while an attack runs: scales Flaky clients over Mux
// and over framed Thrift, each on its own thread, calling the idempotent `read` with a key no
// other call uses and checking that the echo is that key (a reply meant for another call is a
// "wrong" answer, not a success). Latencies are kept for p50/p99. Bounded: it stops when asked,
// after `max_duration`, or after `max_calls` calls per client, whichever comes first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace scales::adversarial {

struct LegitOptions {
  bool mux = true;
  bool framed = true;
  bool framed_pipelined = false;
  // Pause between one client's calls, so that legitimate load does not saturate a 2-core box.
  std::chrono::milliseconds pace{2};
  std::chrono::milliseconds max_duration{120000};
  uint64_t max_calls = 1000000;
  // Extra URI options for every client.
  std::string query = "timeout_ms=10000&accrual_failures=0";
};

struct LegitReport {
  uint64_t calls = 0;
  uint64_t failures = 0;  // exceptions (after the client's own retries)
  uint64_t wrong = 0;     // replies that echoed another key
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::vector<std::string> first_failures;  // up to 5
  std::string summary() const;
};

class LegitLoad {
 public:
  // Makes the clients and completes one call on each (so their connections are open when this
  // returns), then starts calling in the background. Throws if a warm-up call fails.
  LegitLoad(uint16_t port, LegitOptions options = {});
  ~LegitLoad();
  LegitLoad(const LegitLoad&) = delete;
  LegitLoad& operator=(const LegitLoad&) = delete;

  // Stops calling and returns what happened.
  LegitReport stop();
  // Calls completed so far (all clients).
  uint64_t calls() const { return calls_; }
  // Waits (bounded) until at least `n` calls completed; false on timeout.
  bool waitForCalls(uint64_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Client;
  void run(Client& client);

  LegitOptions options_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> calls_{0};
  std::mutex mutex_;
  std::vector<double> latencies_ms_;
  LegitReport report_;
  bool stopped_ = false;
};

}  // namespace scales::adversarial

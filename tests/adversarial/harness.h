// SPDX-License-Identifier: Apache-2.0
// One adversarial test's setting: hardening_server started with the test's limits, the
// legitimate clients calling it, an RSS sampler, and the baselines (RSS, open fds) taken once the
// legitimate clients are connected. finish() checks what must hold after every attack (server
// alive, legitimate calls all answered correctly within the p99 bound, peak RSS under the bound,
// fds back to the baseline) and returns the server's final counters; every number goes to stdout
// as one "ADVERSARIAL ..." line.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "Flaky.scales.h"
#include "legit_load.h"
#include "process_probe.h"
#include "server_process.h"

namespace scales::adversarial {

constexpr int64_t kMiB = 1024;  // in KiB, as /proc reports

// The p99 every legitimate client must stay under during an attack: generous for a loaded 2-core
// machine, scaled for AddressSanitizer.
constexpr double kLegitP99Ms = 500.0 * sanitizerFactor();

struct Expectations {
  int64_t rss_bound_kib = 0;  // absolute bound on the peak (0: baseline + rss_growth_kib)
  int64_t rss_growth_kib = 64 * kMiB * sanitizerFactor();
  double p99_bound_ms = kLegitP99Ms;
  bool legit_must_succeed = true;  // false where the attack legitimately refuses everyone
  // Legitimate calls that must have completed (attack and all) before the verdict: a quick
  // attack still sees the legitimate clients calling right through it.
  uint64_t min_legit_calls = 50;
  bool check_fds = true;
  std::chrono::milliseconds fds_settle{5000};
};

class Harness {
 public:
  // `legit`: nullopt runs no legitimate load.
  Harness(std::string name, const std::vector<std::string>& flags,
          std::optional<LegitOptions> legit = LegitOptions{});

  ServerProcess& server() { return server_; }
  uint16_t port() const { return server_.port(); }
  pid_t pid() const { return server_.pid(); }
  int fdsBaseline() const { return fds_baseline_; }
  int64_t rssBaselineKiB() const { return rss_baseline_kib_; }
  int64_t peakRssKiB() const { return rss_.peakKiB(); }

  // The server's counters now (a "__stats" call on a client of its own).
  nlohmann::json liveStats();
  // Polls liveStats() until `counter` >= `at_least` or `timeout`; returns the last value.
  uint64_t waitForCounter(const std::string& counter, uint64_t at_least,
                          std::chrono::milliseconds timeout);

  // Adds a number to this test's summary line.
  void note(const std::string& key, const std::string& value);

  struct Outcome {
    LegitReport legit;
    int64_t peak_rss_kib = 0;
    int fds_after = 0;
    nlohmann::json stats;
  };
  // Call after the attackers closed their connections. Checks with EXPECT_* and returns.
  Outcome finish(const Expectations& expect = {});

 private:
  std::string name_;
  ServerProcess server_;
  std::optional<flaky::FlakyClient> stats_client_;
  std::unique_ptr<LegitLoad> legit_;
  int fds_baseline_ = 0;
  int64_t rss_baseline_kib_ = 0;
  RssSampler rss_;
  std::string notes_;
};

// A number for a summary line: three significant digits.
std::string str(double v);

// The calls the handler ran for keys with this prefix (0 if none).
uint64_t callsWithPrefix(const nlohmann::json& stats, const std::string& prefix);
uint64_t counter(const nlohmann::json& stats, const std::string& name);

}  // namespace scales::adversarial

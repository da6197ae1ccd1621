// SPDX-License-Identifier: Apache-2.0
// The per-test setting of harness.h.
#include "harness.h"

#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <thread>

namespace scales::adversarial {

namespace {
std::string mib(int64_t kib) {
  std::ostringstream out;
  out.precision(1);
  out << std::fixed << static_cast<double>(kib) / 1024.0;
  return out.str();
}
}  // namespace

uint64_t counter(const nlohmann::json& stats, const std::string& name) {
  return stats.contains(name) ? stats[name].get<uint64_t>() : 0;
}

uint64_t callsWithPrefix(const nlohmann::json& stats, const std::string& prefix) {
  if (!stats.contains("calls_by_prefix")) return 0;
  const auto& by = stats["calls_by_prefix"];
  return by.contains(prefix) ? by[prefix].get<uint64_t>() : 0;
}

Harness::Harness(std::string name, const std::vector<std::string>& flags,
                 std::optional<LegitOptions> legit)
    : name_(std::move(name)), server_(flags), rss_(server_.pid()) {
  stats_client_.emplace(flaky::FlakyClient::make(
      "tcp://127.0.0.1:" + std::to_string(server_.port()) + "?timeout_ms=5000&accrual_failures=0"));
  liveStats();  // opens its connection before the baseline
  if (legit) legit_ = std::make_unique<LegitLoad>(server_.port(), *legit);
  fds_baseline_ = openFds(server_.pid());
  rss_baseline_kib_ = rssKiB(server_.pid());
}

nlohmann::json Harness::liveStats() {
  auto j = nlohmann::json::parse(stats_client_->read("__stats", 0), nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

uint64_t Harness::waitForCounter(const std::string& name, uint64_t at_least,
                                 std::chrono::milliseconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  uint64_t value = counter(liveStats(), name);
  while (value < at_least && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    value = counter(liveStats(), name);
  }
  return value;
}

void Harness::note(const std::string& key, const std::string& value) {
  notes_ += " " + key + "=" + value;
}

Harness::Outcome Harness::finish(const Expectations& expect) {
  Outcome out;
  EXPECT_TRUE(server_.alive()) << "the server died";
  if (legit_) {
    legit_->waitForCalls(expect.min_legit_calls, std::chrono::seconds(10));
    out.legit = legit_->stop();
    EXPECT_EQ(out.legit.wrong, 0u) << out.legit.summary();
    if (expect.legit_must_succeed) {
      EXPECT_EQ(out.legit.failures, 0u) << out.legit.summary();
      EXPECT_LE(out.legit.p99_ms, expect.p99_bound_ms) << out.legit.summary();
      EXPECT_GE(out.legit.calls, expect.min_legit_calls);
    }
  }
  rss_.stop();
  out.peak_rss_kib = rss_.peakKiB();
  int64_t bound =
      expect.rss_bound_kib > 0 ? expect.rss_bound_kib : rss_baseline_kib_ + expect.rss_growth_kib;
  EXPECT_LE(out.peak_rss_kib, bound)
      << "peak RSS " << mib(out.peak_rss_kib) << " MiB, baseline " << mib(rss_baseline_kib_);
  out.fds_after = waitForFdsAtMost(server_.pid(), fds_baseline_, expect.fds_settle);
  if (expect.check_fds) {
    EXPECT_LE(out.fds_after, fds_baseline_) << "descriptors did not return to the baseline";
  }
  stats_client_.reset();
  out.stats = server_.stop();
  EXPECT_EQ(server_.exitStatus(), std::optional<int>(0)) << "hardening_server exit status";
  std::ostringstream line;
  line << "ADVERSARIAL " << name_ << ": rss peak " << mib(out.peak_rss_kib) << " MiB (baseline "
       << mib(rss_baseline_kib_) << ", bound " << mib(bound) << "); fds baseline " << fds_baseline_
       << " after " << out.fds_after;
  if (legit_) line << "; legit " << out.legit.summary();
  line << ";" << notes_ << "; stats " << out.stats.dump();
  std::cout << line.str() << std::endl;
  return out;
}

std::string str(double v) {
  std::ostringstream out;
  out.precision(3);
  out << v;
  return out.str();
}

}  // namespace scales::adversarial

// SPDX-License-Identifier: Apache-2.0
// Formats runs for a terminal. Plain fixed-width columns (not a box-drawing table), so the output
// pastes into docs, issues and diffs as it is.
#include "sim/report.h"

#include <algorithm>
#include <string>

namespace scales::sim {
namespace {

// Refusals need a concurrency limit, or a moment with no backend in service.
bool canRefuse(const Scenario& s) {
  for (const auto& v : runVariants(s)) {
    if (v.clients.max_concurrency > 0 || v.clients.adaptive_concurrency) return true;
  }
  return std::any_of(s.events.begin(), s.events.end(),
                     [](const ScenarioEvent& e) { return e.kind == ChangeKind::kLeave; });
}

std::string valueText(Metric metric, double v) {
  char buf[64];
  switch (metric) {
    case Metric::kMaxShare:
    case Metric::kMinShare:
    case Metric::kWatchedShare:
    case Metric::kRefused:
      std::snprintf(buf, sizeof buf, "%.2f%%", 100 * v);
      break;
    case Metric::kWatchedMaxQueue:
      std::snprintf(buf, sizeof buf, "%.0f", v);
      break;
    default:
      std::snprintf(buf, sizeof buf, "%.1f ms", v);
  }
  return buf;
}

const RunResult* findRun(const std::vector<RunResult>& runs, const std::string& name) {
  for (const auto& r : runs) {
    if (runName(r.policy, r.variant) == name) return &r;
  }
  return nullptr;
}

}  // namespace

void printScenario(std::FILE* out, const Scenario& s) {
  std::string name = s.name.empty() ? "scenario" : s.name;
  std::fprintf(out, "%s: %s\n", name.c_str(), describeSetup(s).c_str());
  if (!s.description.empty()) std::fprintf(out, "%s\n", s.description.c_str());
  for (const auto& e : s.events) {
    std::fprintf(out, "  at %g s: %s\n", e.at, describeEvent(e, false).c_str());
  }
  std::fprintf(out, "\n");
}

Table::Table(const Scenario& s)
    : variants_(!s.variants.empty()), refusals_(canRefuse(s)), watched_(watchedBackend(s)) {}

void Table::printHeader(std::FILE* out) const {
  const std::string b = "b" + std::to_string(watched_);
  std::fprintf(out, "%-24s", "policy");
  if (variants_) std::fprintf(out, " %-10s", "variant");
  std::fprintf(out, " %10s %10s %10s %10s %10s", "p50 ms", "p99 ms", "p999 ms", "max share",
               "min share");
  if (watched_ >= 0) {
    std::fprintf(out, " %12s %10s %13s", (b + " p99 ms").c_str(), (b + " share").c_str(),
                 (b + " max queue").c_str());
  }
  if (refusals_) std::fprintf(out, " %10s", "refused");
  std::fprintf(out, "\n");
}

void Table::printRow(std::FILE* out, const RunResult& r) const {
  std::fprintf(out, "%-24s", r.policy.c_str());
  if (variants_) std::fprintf(out, " %-10s", r.variant.c_str());
  std::fprintf(out, " %10.1f %10.1f %10.1f %9.1f%% %9.1f%%", r.p50, r.p99, r.p999,
               100 * r.max_share, 100 * r.min_share);
  if (watched_ >= 0) {
    std::fprintf(out, " %12.1f %9.1f%% %13zu", r.watched_p99, 100 * r.watched_share,
                 r.watched_max_queue);
  }
  if (refusals_) std::fprintf(out, " %9.2f%%", 100 * r.refused_share);
  std::fprintf(out, "\n");
  std::fflush(out);  // a row as each run ends: long runs show progress
}

int printChecks(std::FILE* out, const Scenario& s, const std::vector<RunResult>& runs) {
  int failures = 0;
  bool first = true;
  for (const auto& check : s.checks) {
    const RunResult* run = findRun(runs, check.run);
    const RunResult* below = findRun(runs, check.below);
    if (first) std::fprintf(out, "\n");
    first = false;
    const std::string metric(metricName(check.metric));
    if (!run || !below) {
      std::fprintf(out, "check skipped: %s of %s below %s (not simulated)\n", metric.c_str(),
                   check.run.c_str(), check.below.c_str());
      continue;
    }
    const double value = run->metric(check.metric);
    const double bound = check.factor * below->metric(check.metric);
    std::string other = valueText(check.metric, below->metric(check.metric));
    if (check.factor != 1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g x ", check.factor);
      other = buf + other + " = " + valueText(check.metric, bound);
    }
    if (value < bound) {
      std::fprintf(out, "check ok: %s of %s %s is below %s's %s\n", metric.c_str(),
                   check.run.c_str(), valueText(check.metric, value).c_str(), check.below.c_str(),
                   other.c_str());
    } else {
      std::fprintf(out, "CHECK FAILED: %s of %s %s is not below %s's %s\n", metric.c_str(),
                   check.run.c_str(), valueText(check.metric, value).c_str(), check.below.c_str(),
                   other.c_str());
      ++failures;
    }
  }
  return failures;
}

}  // namespace scales::sim

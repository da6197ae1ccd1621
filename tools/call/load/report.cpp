// SPDX-License-Identifier: Apache-2.0
#include "load/report.h"

#include <algorithm>
#include <cstdio>

namespace scales::call {
namespace {
constexpr std::pair<const char*, double> kPercentiles[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
}  // namespace

std::string formatMicros(uint64_t micros) {
  if (micros < 1000) return std::to_string(micros) + "us";
  if (micros < 1000000) return fixed(micros / 1e3, micros < 10000 ? 2 : 1) + "ms";
  return fixed(micros / 1e6, 2) + "s";
}

void printReport(const LoadResult& r, std::ostream& out) {
  const auto& o = r.options;
  out << (o.rate > 0 ? "open loop at " + fixed(o.rate, 0) + " calls/s, at most " +
                           std::to_string(o.concurrency) + " in flight"
                     : "closed loop, " + std::to_string(o.concurrency) + " in flight")
      << "\n";
  out << "calls:      " << r.calls << " in "
      << fixed(std::chrono::duration<double>(r.elapsed).count(), 2) << "s, "
      << fixed(r.throughput(), 1) << " calls/s, " << r.succeeded << " ok, "
      << (r.calls - r.succeeded) << " errors\n";
  if (o.rate > 0 && r.late > 0) {
    out << "late:       " << r.late
        << " calls sent 1 ms or more after they were due (latency counts from when they were "
           "due)\n";
  }
  if (r.unsent > 0) {
    out << "unsent:     " << r.unsent << " calls came due while all " << o.concurrency
        << " slots were taken, and never went (errors, timed from when they were due)\n";
  }
  out << "latency:    min " << formatMicros(r.latency.min()) << "  mean "
      << formatMicros(static_cast<uint64_t>(r.latency.mean()));
  for (const auto& [name, q] : kPercentiles)
    out << "  " << name << " " << formatMicros(r.latency.percentile(q));
  out << "  max " << formatMicros(r.latency.max()) << "\n";
  auto ranges = r.latency.powersOfTwo();
  uint64_t most = 0;
  for (const auto& [upper, count] : ranges) most = std::max(most, count);
  if (!ranges.empty()) out << "histogram:\n";
  for (const auto& [upper, count] : ranges) {
    size_t width = most == 0 ? 0 : static_cast<size_t>(40.0 * count / most + 0.5);
    char label[32];
    std::snprintf(label, sizeof label, "  <= %-9s", formatMicros(upper).c_str());
    out << label << " " << std::string(width, '#') << (width > 0 ? " " : "") << count << "\n";
  }
  if (!r.errors.empty()) {
    out << "errors:\n";
    for (const auto& [type, count] : r.errors) out << "  " << type << ": " << count << "\n";
  }
  if (!r.endpoints.empty()) {
    out << "endpoints:\n";
    for (const auto& [at, count] : r.endpoints) {
      out << "  " << at << ": " << count << " ("
          << fixed(100.0 * count / std::max<uint64_t>(r.calls, 1), 1) << "%)\n";
    }
  }
}

Json reportJson(const LoadResult& r) {
  Json latency = {{"min", r.latency.min()}, {"mean", r.latency.mean()}, {"max", r.latency.max()}};
  for (const auto& [name, q] : kPercentiles) latency[name] = r.latency.percentile(q);
  Json histogram = Json::array();
  for (const auto& [upper, count] : r.latency.powersOfTwo()) {
    histogram.push_back({{"le_us", upper}, {"count", count}});
  }
  return {{"mode", r.options.rate > 0 ? "open" : "closed"},
          {"concurrency", r.options.concurrency},
          {"rate", r.options.rate},
          {"elapsed_s", std::chrono::duration<double>(r.elapsed).count()},
          {"calls", r.calls},
          {"succeeded", r.succeeded},
          {"throughput", r.throughput()},
          {"late", r.late},
          {"unsent", r.unsent},
          {"latency_us", std::move(latency)},
          {"histogram", std::move(histogram)},
          {"errors", r.errors},
          {"endpoints", r.endpoints}};
}

}  // namespace scales::call

// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <cmath>
#include <cstdio>

namespace scales::bench {
namespace {

std::string bytes(double value) {
  if (std::isnan(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f", value);
  return text;
}

std::string micros(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), value >= 100 ? "%.0f" : "%.1f", value);
  return text;
}

// JSON string content: the notes and names are ours, plain ASCII; only quotes and backslashes
// need escaping.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

}  // namespace

void Report::printTable() const {
  std::printf("%-40s %-6s %7s %-11s %12s %12s %12s  %s\n", "measure", "side", "count", "per",
              "heap B/each", "RSS B/each", "us each(max)", "note");
  for (const auto& r : rows_) {
    std::string time = r.is_time ? micros(r.micros) + " (" + micros(r.max_micros) + ")" : "-";
    std::printf("%-40s %-6s %7lld %-11s %12s %12s %12s  %s\n", r.measure.c_str(), r.side.c_str(),
                static_cast<long long>(r.count), r.per.c_str(),
                r.is_time ? "-" : bytes(r.heap_bytes).c_str(),
                r.is_time ? "-" : bytes(r.rss_bytes).c_str(), time.c_str(), r.note.c_str());
  }
  std::fflush(stdout);
}

void Report::printJsonLines() const {
  for (const auto& r : rows_) {
    std::printf(
        "{\"bench\":\"memory\",\"measure\":\"%s\",\"side\":\"%s\",\"count\":%lld,\"per\":\"%s\"",
        escaped(r.measure).c_str(), escaped(r.side).c_str(), static_cast<long long>(r.count),
        escaped(r.per).c_str());
    if (r.is_time) {
      std::printf(",\"micros\":%s,\"max_micros\":%s", number(r.micros).c_str(),
                  number(r.max_micros).c_str());
    } else {
      std::printf(",\"heap_bytes\":%s,\"rss_bytes\":%s", number(r.heap_bytes).c_str(),
                  number(r.rss_bytes).c_str());
    }
    std::printf(",\"note\":\"%s\"}\n", escaped(r.note).c_str());
  }
  std::fflush(stdout);
}

}  // namespace scales::bench

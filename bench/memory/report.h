// SPDX-License-Identifier: Apache-2.0
// The benchmark's results: one row per measurement, printed as a table for people or as one JSON
// line each for scripts. A row is either memory (heap and resident bytes per thing) or a time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace scales::bench {

// For rows where resident memory says nothing: after frees, glibc keeps partly used pages
// resident, so it does not fall with the heap.
constexpr double kNotMeaningful = std::numeric_limits<double>::quiet_NaN();

struct Row {
  std::string measure;  // e.g. "idle_connection"
  std::string side;     // "client" or "server"
  int64_t count = 0;    // how many things the figures are per (connections, calls, endpoints)
  std::string per;      // what one thing is: "connection", "call", "endpoint", "update", ...
  // Memory rows: bytes per thing (heap, and resident where meaningful; NaN when not).
  double heap_bytes = 0;
  double rss_bytes = 0;
  // Time rows (is_time): microseconds per thing, and the largest one seen.
  bool is_time = false;
  double micros = 0;
  double max_micros = 0;
  std::string note;
};

class Report {
 public:
  void add(Row row) { rows_.push_back(std::move(row)); }
  void printTable() const;
  void printJsonLines() const;

 private:
  std::vector<Row> rows_;
};

}  // namespace scales::bench

// SPDX-License-Identifier: Apache-2.0
#include "scales/core/log.h"

#include <atomic>
#include <exception>
#include <iostream>
#include <mutex>
#include <string>

namespace scales {
namespace {
std::mutex& sinkMutex() {
  static std::mutex m;
  return m;
}
LogSink& sink() {
  static LogSink s;
  return s;
}
std::atomic<uint64_t> escaped{0};
}  // namespace

void setLogSink(LogSink s) {
  std::lock_guard lock(sinkMutex());
  sink() = std::move(s);
}

void logError(std::string_view line) {
  std::lock_guard lock(sinkMutex());
  if (sink()) return sink()(line);
  std::cerr << "scales: " << line << std::endl;
}

void logEscaped(std::string_view where) {
  escaped.fetch_add(1, std::memory_order_relaxed);
  std::string line = "exception escaped " + std::string(where) + ": ";
  try {
    throw;
  } catch (const std::exception& e) {
    line += e.what();
  } catch (...) {
    line += "(not a std::exception)";
  }
  logError(line);
}

uint64_t escapedExceptions() { return escaped.load(std::memory_order_relaxed); }

}  // namespace scales

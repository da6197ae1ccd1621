// SPDX-License-Identifier: Apache-2.0
#include "scales/core/log.h"

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

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// Runs a helper executable (a stock Thrift peer) for a test: reads its stdout line by line with a
// timeout, and kills it when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace scales::testing {

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // SIGKILL and reap, if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout, or nullopt on EOF or timeout.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  // Everything printed until exit (or timeout, which kills the child).
  std::string readAll(std::chrono::milliseconds timeout);
  // Waits for exit; returns the exit status, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void kill();
  // SIGTERM, then waits for exit (SIGKILL after `timeout`); returns the exit status, or nullopt
  // when it had to be killed.
  std::optional<int> terminate(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

}  // namespace scales::testing

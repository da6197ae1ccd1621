// SPDX-License-Identifier: Apache-2.0
// hardening_server in its own process for one test: started with the test's limits, its port and
// pid read from its first line, probed through /proc, and stopped with SIGTERM to collect the
// JSON line of its ServerStats.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::adversarial {

class ServerProcess {
 public:
  // `flags`: hardening_server's command-line flags (e.g. {"--max-connections", "50"}).
  explicit ServerProcess(const std::vector<std::string>& flags);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool alive() const;

  // Sends SIGTERM, waits (up to `timeout`) for the stats line and the exit. Returns the stats
  // (empty object if none came) and sets exitStatus().
  nlohmann::json stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends SIGTERM only (the caller reads what happens on its connections, then calls stop()).
  void terminate();
  std::optional<int> exitStatus() const { return exit_status_; }

 private:
  std::unique_ptr<testing::ChildProcess> child_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool terminated_ = false;
  std::optional<int> exit_status_;
  nlohmann::json stats_;
};

}  // namespace scales::adversarial

// SPDX-License-Identifier: Apache-2.0
// Starting and stopping hardening_server (server_process.h).
#include "server_process.h"

#include <signal.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "process_probe.h"

namespace scales::adversarial {

namespace {
// Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by default) before reuse,
// which would make RSS bounds measure the quarantine. The children get a small one; set before
// main() runs any thread, and only for the children (this process read its options at start).
[[maybe_unused]] const bool kSmallQuarantine = [] {
  if (!builtWithAsan()) return false;
  const char* existing = std::getenv("ASAN_OPTIONS");
  std::string options = existing ? existing : "";
  if (!options.empty()) options += ":";
  options += "quarantine_size_mb=16";
  setenv("ASAN_OPTIONS", options.c_str(), 1);
  return true;
}();
}  // namespace

ServerProcess::ServerProcess(const std::vector<std::string>& flags) {
  std::vector<std::string> argv{HARDENING_SERVER};
  argv.insert(argv.end(), flags.begin(), flags.end());
  child_ = std::make_unique<testing::ChildProcess>(argv);
  auto line = child_->readLine(std::chrono::seconds(20));
  std::string word, pid_word;
  unsigned port = 0;
  long pid = 0;
  if (line) {
    std::istringstream in(*line);
    in >> word >> port >> pid_word >> pid;
  }
  if (word != "listening" || pid_word != "pid" || port == 0 || pid <= 0) {
    throw std::runtime_error("hardening_server did not start: " + line.value_or("(nothing)"));
  }
  port_ = static_cast<uint16_t>(port);
  pid_ = static_cast<pid_t>(pid);
}

ServerProcess::~ServerProcess() = default;  // ChildProcess kills it if still running

bool ServerProcess::alive() const { return !exit_status_ && processAlive(pid_); }

void ServerProcess::terminate() {
  if (terminated_) return;
  terminated_ = true;
  ::kill(pid_, SIGTERM);
}

nlohmann::json ServerProcess::stop(std::chrono::milliseconds timeout) {
  if (exit_status_) return stats_;
  terminate();
  auto give_up = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(give_up -
                                                                 std::chrono::steady_clock::now());
  };
  stats_ = nlohmann::json::object();
  while (auto line = child_->readLine(left())) {
    if (!line->empty() && line->front() == '{') {
      stats_ = nlohmann::json::parse(*line, nullptr, false);
      if (stats_.is_discarded()) stats_ = nlohmann::json::object();
      break;
    }
  }
  exit_status_ = child_->wait(left());
  if (!exit_status_) {
    child_->kill();
    exit_status_ = -1;
  }
  return stats_;
}

}  // namespace scales::adversarial

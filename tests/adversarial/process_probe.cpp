// SPDX-License-Identifier: Apache-2.0
// /proc readers for process_probe.h.
#include "process_probe.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace scales::adversarial {

namespace {
std::string procPath(pid_t pid, const char* what) {
  return "/proc/" + std::to_string(pid) + "/" + what;
}

// The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses).
bool statFields(pid_t pid, std::string& after_comm) {
  std::ifstream in(procPath(pid, "stat"));
  std::string all;
  if (!std::getline(in, all)) return false;
  auto close = all.rfind(')');
  if (close == std::string::npos || close + 2 > all.size()) return false;
  after_comm = all.substr(close + 2);
  return true;
}
}  // namespace

bool processAlive(pid_t pid) {
  std::string fields;
  if (!statFields(pid, fields) || fields.empty()) return false;
  return fields[0] != 'Z' && fields[0] != 'X';
}

int64_t rssKiB(pid_t pid) {
  std::ifstream in(procPath(pid, "status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

int openFds(pid_t pid) {
  DIR* dir = opendir(procPath(pid, "fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

double cpuSeconds(pid_t pid) {
  std::string fields;
  if (!statFields(pid, fields)) return -1;
  // After the command: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime(14) stime(15).
  std::istringstream in(fields);
  std::string skip;
  for (int i = 3; i < 14; ++i) in >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(in >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int waitForFdsAtMost(pid_t pid, int limit, std::chrono::milliseconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  int fds = openFds(pid);
  while (fds > limit && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fds = openFds(pid);
  }
  return fds;
}

RssSampler::RssSampler(pid_t pid) : pid_(pid) {
  peak_ = rssKiB(pid_);
  thread_ = std::thread([this] {
    while (!stop_) {
      int64_t now = rssKiB(pid_);
      if (now > peak_) peak_ = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

RssSampler::~RssSampler() { stop(); }

void RssSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace scales::adversarial

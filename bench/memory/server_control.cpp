// SPDX-License-Identifier: Apache-2.0
#include "server_control.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace scales::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error failure(const std::string& what) {
  return std::runtime_error("server process: " + what);
}

// This binary, to start again as the server.
std::string selfPath() {
  std::vector<char> path(4096);
  ssize_t n = readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) throw failure("cannot read /proc/self/exe");
  return std::string(path.data(), static_cast<size_t>(n));
}

}  // namespace

ServerControl::ServerControl(size_t max_calls, size_t payload, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw failure("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::string path = selfPath();
  std::string calls = std::to_string(max_calls);
  std::string bytes = std::to_string(payload);
  std::vector<char*> argv = {
      path.data(),  const_cast<char*>("server"),    const_cast<char*>("--max-calls"),
      calls.data(), const_cast<char*>("--payload"), bytes.data(),
      nullptr};
  int spawned = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  to_server_ = in[1];
  from_server_ = out[0];
  if (spawned != 0) {
    pid_ = -1;
    throw failure(std::string("cannot start ") + path + ": " + std::strerror(spawned));
  }
  std::string line = readLine(timeout_, "its port");
  if (line.rfind("PORT ", 0) != 0) throw failure("expected PORT, got '" + line + "'");
  port_ = static_cast<uint16_t>(std::stoi(line.substr(5)));
}

ServerControl::~ServerControl() {
  if (to_server_ >= 0) close(to_server_);  // end of input: the server stops and exits
  if (pid_ > 0) {
    // Its output closes when it exits; past the timeout it is killed.
    try {
      while (true) readLine(timeout_, "its exit");
    } catch (const std::exception&) {
    }
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (from_server_ >= 0) close(from_server_);
}

std::string ServerControl::readLine(std::chrono::milliseconds timeout,
                                    const std::string& waiting_for) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      throw failure("no answer within " + std::to_string(timeout.count()) + " ms, waiting for " +
                    waiting_for);
    }
    pollfd p{from_server_, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw failure("poll failed");
    if (ready == 0) continue;  // the deadline check above reports it
    char chunk[512];
    ssize_t n = read(from_server_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw failure("exited while we waited for " + waiting_for);
    buffered_.append(chunk, static_cast<size_t>(n));
  }
}

std::string ServerControl::command(const std::string& line, std::chrono::milliseconds timeout) {
  std::string text = line + "\n";
  if (write(to_server_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw failure("cannot send '" + line + "'");
  }
  std::string answer = readLine(timeout, "the answer to '" + line + "'");
  if (answer.rfind("ERROR", 0) == 0) throw failure(answer.substr(6) + " (after '" + line + "')");
  return answer;
}

ServerSample ServerControl::sample() {
  std::istringstream in(command("sample", timeout_));
  std::string tag;
  ServerSample s;
  if (!(in >> tag >> s.memory.heap >> s.memory.rss >> s.connections >> s.held) || tag != "SAMPLE") {
    throw failure("bad answer to sample: '" + in.str() + "'");
  }
  return s;
}

void ServerControl::park() { command("park", timeout_); }

void ServerControl::waitHeld(size_t count, std::chrono::milliseconds timeout) {
  // The server waits out `timeout` itself; its answer gets a little longer to arrive.
  command("wait-held " + std::to_string(count) + " " + std::to_string(timeout.count()),
          timeout + timeout_);
}

uint64_t ServerControl::release() {
  std::string answer = command("release", timeout_);
  if (answer.rfind("RELEASED ", 0) != 0) throw failure("bad answer to release: '" + answer + "'");
  return std::stoull(answer.substr(9));
}

}  // namespace scales::bench

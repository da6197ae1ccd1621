// SPDX-License-Identifier: Apache-2.0
#include "run_compiler.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <regex>
#include <sstream>

extern char** environ;

namespace scales::gen::cli {
namespace {

// Runs argv, returning its exit status and everything it printed (stdout and stderr, in order).
int runCapture(const std::vector<std::string>& argv, std::string& output) {
  int fds[2];
  if (pipe(fds) != 0) throw CompilerMissing(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw CompilerMissing("cannot run the compiler '" + argv[0] + "': " + std::strerror(rc) +
                          " (build thrift-scales, or pass --thrift PATH)");
  }
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = read(fds[0], buf.data(), buf.size())) > 0) output.append(buf.data(), n);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string reformatDiagnostic(const std::string& line) {
  static const std::regex thrift_style(R"(^\[(WARNING|ERROR|FAILURE):(.*):(\d+)\]\s*(.*)$)");
  std::smatch m;
  if (!std::regex_match(line, m, thrift_style)) return line;
  std::string message = m[4].str();
  if (message.rfind("Error: ", 0) == 0) message = message.substr(7);
  return m[2].str() + ":" + m[3].str() + ": " + (m[1] == "WARNING" ? "warning" : "error") + ": " +
         message;
}

CompilerResult runCompiler(const CompilerRun& run) {
  std::vector<std::string> argv{run.compiler};
  for (const auto& dir : run.include_dirs) {
    argv.push_back("-I");
    argv.push_back(dir.string());
  }
  for (const std::string& a : {std::string("--gen"), run.gen, std::string("-out")}) {
    argv.push_back(a);
  }
  argv.push_back(run.out.string());
  argv.push_back(run.idl.string());
  std::string output;
  CompilerResult result;
  result.status = runCapture(argv, output);
  std::istringstream in(output);
  bool joins_next = false;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty()) continue;
    // Thrift writes a syntax error as "[ERROR:F:L] (last token was 'x')" and then the message.
    if (joins_next && line.front() != '[') {
      std::string& previous = result.diagnostics.back();
      size_t token = previous.find("(last token was");
      previous = previous.substr(0, token) + line + " " + previous.substr(token);
      joins_next = false;
      continue;
    }
    result.diagnostics.push_back(reformatDiagnostic(line));
    joins_next = line.find("(last token was") != std::string::npos;
  }
  if (result.status != 0 && result.diagnostics.empty()) {
    result.diagnostics.push_back(run.compiler + " failed with status " +
                                 std::to_string(result.status));
  }
  return result;
}

std::string defaultCompiler() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto sibling = self.parent_path() / "thrift-scales";
    if (access(sibling.c_str(), X_OK) == 0) return sibling.string();
  }
  return "thrift-scales";
}

}  // namespace scales::gen::cli

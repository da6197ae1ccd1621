// SPDX-License-Identifier: Apache-2.0
#include "run_compiler.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace scales::gen::thrift {
namespace {

// Runs argv, returning its exit status and everything it printed (stdout and stderr).
int runCapture(const std::vector<std::string>& argv, std::string& output) {
  int fds[2];
  if (pipe(fds) != 0) throw CompilerError(std::string("pipe: ") + std::strerror(errno));
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
    throw CompilerError("cannot run the Thrift compiler '" + argv[0] + "': " + std::strerror(rc) +
                        " (install thrift-compiler or pass --thrift PATH)");
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

void run(const CompilerRun& r, const std::string& gen, const std::filesystem::path& out) {
  std::vector<std::string> argv{r.compiler, "-r", "--gen", gen, "-out", out.string()};
  for (const auto& dir : r.include_dirs) {
    argv.push_back("-I");
    argv.push_back(dir.string());
  }
  argv.push_back(r.idl.string());
  std::string output;
  int status = runCapture(argv, output);
  if (status != 0) {
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    throw CompilerError(output.empty()
                            ? "the Thrift compiler failed with status " + std::to_string(status)
                            : output);
  }
}

}  // namespace

void generateJson(const CompilerRun& r, const std::filesystem::path& out) { run(r, "json", out); }

void generateCppTypes(const CompilerRun& r, const std::filesystem::path& out) {
  run(r, "cpp:templates,moveable_types", out);
}

}  // namespace scales::gen::thrift

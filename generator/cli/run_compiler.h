// SPDX-License-Identifier: Apache-2.0
// Runs thrift-scales (Thrift's compiler with the scales generator built in) for scales-thrift,
// and turns its diagnostics into `scales-thrift: FILE:LINE: error|warning: message` lines.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace scales::gen::cli {

// The compiler could not be started at all.
class CompilerMissing : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CompilerRun {
  std::string compiler;  // a path, or a name looked up on PATH
  std::vector<std::filesystem::path> include_dirs;
  std::filesystem::path idl;
  std::filesystem::path out;   // passed as -out: must exist
  std::string gen = "scales";  // the generator: scales, or scales_schema (for scales-call)
};

struct CompilerResult {
  int status = 0;
  std::vector<std::string> diagnostics;  // reformatted, one per line, in the compiler's order
};

// `compiler [-I dir]... --gen GEN -out OUT IDL`.
CompilerResult runCompiler(const CompilerRun& run);

// One line of the compiler's output as scales-thrift prints it: Thrift's `[WARNING:F:L] m`,
// `[ERROR:F:L] m` and `[FAILURE:F:L] m` become `F:L: warning|error: m`; other lines stay.
std::string reformatDiagnostic(const std::string& line);

// The thrift-scales next to this executable, else "thrift-scales" (looked up on PATH).
std::string defaultCompiler();

}  // namespace scales::gen::cli

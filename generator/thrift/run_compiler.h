// SPDX-License-Identifier: Apache-2.0
// Runs the stock Apache Thrift compiler, which is our IDL parser and struct generator. Its
// diagnostics (file:line messages) are relayed to the user unchanged.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace scales::gen::thrift {

class CompilerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CompilerRun {
  std::string compiler = "thrift";  // path or name found on PATH
  std::vector<std::filesystem::path> include_dirs;
  std::filesystem::path idl;
};

// `thrift -r --gen json`: the parsed IDL of `idl` and its includes, into `out`.
void generateJson(const CompilerRun& run, const std::filesystem::path& out);

// `thrift -r --gen cpp:templates,moveable_types`: struct types, into `out`.
void generateCppTypes(const CompilerRun& run, const std::filesystem::path& out);

}  // namespace scales::gen::thrift

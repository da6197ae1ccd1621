// SPDX-License-Identifier: Apache-2.0
// The command line of scales-thrift.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace scales::gen::cli {

struct Options {
  std::filesystem::path idl;
  std::filesystem::path out_dir;
  std::vector<std::filesystem::path> include_dirs;
  std::string compiler;  // empty: defaultCompiler()
  bool check = false;    // compare with out_dir instead of writing
};

// Declares the flags on `app`, filling `options` when it parses.
void declare(CLI::App& app, Options& options);

}  // namespace scales::gen::cli

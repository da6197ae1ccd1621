// SPDX-License-Identifier: Apache-2.0
#include "options.h"

#include <CLI/CLI.hpp>

namespace scales::gen::cli {

void declare(CLI::App& app, Options& options) {
  app.description(
      "Generates scales-cpp Thrift client stubs, handler interfaces and dispatchers from a Thrift "
      "IDL file, plus the IDL's struct types (from the stock `thrift` compiler).");
  app.add_option("FILE.thrift", options.idl, "the IDL file")->required();
  app.add_option("--out,-o", options.out_dir, "output directory (created if missing)")->required();
  app.add_option("-I,--include", options.include_dirs,
                 "directory searched for included IDL files (repeatable)");
  app.add_option("--thrift", options.thrift_compiler,
                 "the Apache Thrift 0.17 compiler to run (default: thrift on PATH)");
}

}  // namespace scales::gen::cli

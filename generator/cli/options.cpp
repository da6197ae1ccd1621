// SPDX-License-Identifier: Apache-2.0
#include "options.h"

#include <CLI/CLI.hpp>

namespace scales::gen::cli {

void declare(CLI::App& app, Options& options) {
  app.description(
      "Generates scales-cpp Thrift client stubs, handler interfaces and dispatchers, and the "
      "IDL's struct types, from a Thrift IDL file. A front for `thrift-scales --gen scales`, "
      "which does the work; this adds --check and writes only files whose bytes changed.");
  app.add_option("FILE.thrift", options.idl, "the IDL file")->required();
  app.add_option("--out,-o", options.out_dir, "output directory (created when generation succeeds)")
      ->required();
  app.add_option("-I,--include", options.include_dirs,
                 "directory searched for included IDL files (repeatable)");
  app.add_option("--thrift", options.compiler,
                 "the compiler to run: thrift-scales (default: the one next to scales-thrift, "
                 "else on PATH)");
  app.add_flag("--check", options.check,
               "write nothing: exit 1, naming each file, if the files in --out are not what "
               "generation would write (for projects that commit generated code)");
}

}  // namespace scales::gen::cli

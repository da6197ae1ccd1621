// SPDX-License-Identifier: Apache-2.0
// scales-thrift: command-line wiring and exit codes only; cli/front.cpp does the work.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/front.h"

int main(int argc, char** argv) {
  CLI::App app{"scales-thrift"};
  scales::gen::cli::Options options;
  scales::gen::cli::declare(app, options);
  app.set_version_flag("--version", std::string("scales-thrift ") + SCALES_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage
    return scales::gen::cli::kBadUsage;
  }
  return scales::gen::cli::run(options, std::cerr);
}

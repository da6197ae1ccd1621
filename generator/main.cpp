// SPDX-License-Identifier: Apache-2.0
// scales-thrift: command-line wiring and exit codes only; generate.cpp does the work.
#include <CLI/CLI.hpp>
#include <iostream>

#include "generate.h"
#include "idl/json_reader.h"
#include "thrift/run_compiler.h"

int main(int argc, char** argv) {
  CLI::App app{"scales-thrift"};
  scales::gen::cli::Options options;
  scales::gen::cli::declare(app, options);
  app.set_version_flag("--version", std::string("scales-thrift ") + SCALES_VERSION);
  CLI11_PARSE(app, argc, argv);
  try {
    scales::gen::generate(options);
    return 0;
  } catch (const scales::gen::InputError& e) {
    std::cerr << "scales-thrift: " << e.what() << "\n";
    return 2;
  } catch (const scales::gen::thrift::CompilerError& e) {
    std::cerr << e.what() << "\n";  // the compiler's own file:line diagnostics
    return 1;
  } catch (const scales::gen::idl::IdlError& e) {
    std::cerr << "scales-thrift: " << options.idl.string() << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "scales-thrift: " << e.what() << "\n";
    return 1;
  }
}

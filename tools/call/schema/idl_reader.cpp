// SPDX-License-Identifier: Apache-2.0
#include "schema/idl_reader.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_compiler.h"
#include "emit/scratch_dir.h"

namespace scales::call {
namespace fs = std::filesystem;

namespace {
std::string chooseCompiler(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("SCALES_THRIFT"); env != nullptr && *env != '\0') return env;
  std::string sibling = gen::cli::defaultCompiler();
#ifdef SCALES_CALL_BUILT_COMPILER
  // In the build tree the compiler is not next to scales-call; installed, it is.
  if (sibling == "thrift-scales" && access(SCALES_CALL_BUILT_COMPILER, X_OK) == 0) {
    return SCALES_CALL_BUILT_COMPILER;
  }
#endif
  return sibling;
}
}  // namespace

Schema readIdl(const IdlSource& source) {
  if (!fs::is_regular_file(source.idl)) {
    throw SchemaError("cannot read IDL file " + source.idl.string());
  }
  gen::emit::ScratchDir scratch("scales-call");
  gen::cli::CompilerResult result;
  try {
    result = gen::cli::runCompiler({chooseCompiler(source.compiler), source.include_dirs,
                                    source.idl, scratch.path(), "scales_schema"});
  } catch (const gen::cli::CompilerMissing& e) {
    throw SchemaError(e.what());
  }
  if (result.status != 0) {
    std::string message;
    for (const auto& line : result.diagnostics) message += (message.empty() ? "" : "\n") + line;
    throw SchemaError(message);
  }
  fs::path written = scratch.path() / (source.idl.stem().string() + ".schema.json");
  std::ifstream in(written);
  if (!in) throw SchemaError("the compiler wrote no schema for " + source.idl.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(std::string("unreadable schema: ") + e.what());
  }
  return Schema::fromJson(json);
}

}  // namespace scales::call

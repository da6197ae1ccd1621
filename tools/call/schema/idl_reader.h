// SPDX-License-Identifier: Apache-2.0
// Reads an IDL file at run time: thrift-scales parses it (with every file it includes) and writes
// its schema as JSON into a private temporary directory, which this loads. No C++ is generated or
// compiled.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "schema/schema.h"

namespace scales::call {

struct IdlSource {
  std::filesystem::path idl;
  std::vector<std::filesystem::path> include_dirs;
  // thrift-scales to run; empty: $SCALES_THRIFT, else the one next to this executable, else the
  // one this build made, else `thrift-scales` on PATH.
  std::string compiler;
};

// Throws SchemaError with the compiler's diagnostics (FILE:LINE: error: ...) when the IDL does
// not parse, or naming the compiler when it cannot be run.
Schema readIdl(const IdlSource& source);

}  // namespace scales::call

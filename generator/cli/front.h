// SPDX-License-Identifier: Apache-2.0
// scales-thrift's whole run: thrift-scales generates into a scratch directory, then the files are
// written into --out (only those whose bytes changed) or, with --check, compared with it.
#pragma once

#include <iosfwd>

#include "options.h"

namespace scales::gen::cli {

// Exit statuses, as docs/codegen.md documents them.
constexpr int kOk = 0;
constexpr int kFailed = 1;    // IDL errors, or --check found stale files
constexpr int kBadUsage = 2;  // bad command line or input: missing file, unusable --out

// Prints diagnostics to `err`, each line starting "scales-thrift: ".
int run(const Options& options, std::ostream& err);

}  // namespace scales::gen::cli

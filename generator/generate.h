// SPDX-License-Identifier: Apache-2.0
// The whole generation: run the Thrift compiler, read the model, render and write the files.
#pragma once

#include <stdexcept>

#include "cli/options.h"

namespace scales::gen {

// Bad input the user must fix (missing file, unwritable directory): exit status 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError, thrift::CompilerError (the compiler's own message), idl::IdlError or
// std::runtime_error (writing failed).
void generate(const cli::Options& options);

}  // namespace scales::gen

// SPDX-License-Identifier: Apache-2.0
// Reads Thrift's parsed program (t_program) into the IDL model: real enum types, every
// annotation, doc comments, all namespaces (`namespace *` too), and where each declaration is
// written.
#pragma once

#include "idl/model.h"

class t_program;

namespace scales::gen::compiler {

// `root` and every program it includes. Throws idl::IdlError for a type scales cannot carry.
idl::Model readModel(t_program* root);

}  // namespace scales::gen::compiler

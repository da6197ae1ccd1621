// SPDX-License-Identifier: Apache-2.0
// Rendering one IDL program into the scales service layer: the one path every front end (the
// compiler's `scales` generator, and through it scales-thrift) takes.
#pragma once

#include <string>
#include <vector>

#include "idl/model.h"
#include "view/views.h"

namespace scales::gen {

struct OutputFile {
  std::string name;  // a file name, no directories
  std::string content;
};

// Checks every name the model declares, then renders the root program's `<Service>.scales.h/.cpp`
// pairs and its `<stem>.scales-all.cpp`. Throws idl::IdlError naming the declaration at fault
// and its place; nothing is returned half-rendered.
std::vector<OutputFile> renderProgram(const idl::Model& model, const view::ProgramFacts& facts);

}  // namespace scales::gen

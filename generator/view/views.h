// SPDX-License-Identifier: Apache-2.0
// Mustache data built from the IDL model, one builder per node. Keys carry their node's prefix
// and predicates end in '?' (`function:oneway?`), so a key missing on one node never borrows a
// parent's value; every string a template needs is computed here, not in the template.
#pragma once

#include <kainjow/mustache.hpp>

#include "idl/model.h"

namespace scales::gen::view {

using Data = kainjow::mustache::data;

struct ProgramFacts {
  std::string idl_name;  // the IDL file name shown in banners (no directories: deterministic)
  std::string version;   // the generator's version
  // Which of Thrift's source files exist: it writes none for an IDL without structs/constants.
  bool has_types_cpp = false;
  bool has_constants = false;
};

// Keys shared by every file of the program (`program:*`), plus `program:services`.
Data programView(const idl::Model& model, const ProgramFacts& facts);

// `program:*` plus `service:*` for one service's files.
Data serviceView(const idl::Model& model, const ProgramFacts& facts, const idl::Service& service);

}  // namespace scales::gen::view

// SPDX-License-Identifier: Apache-2.0
// How the IDL model is spelled in C++: value types, parameter types, wire descriptors and
// namespaces. name_rules.h says which IDL names C++ and the generated code cannot take.
#pragma once

#include <string>

#include "model.h"

namespace scales::gen::idl {

// What Thrift's C++ generator names the program's files after: `my.api.thrift` gives
// my_api_types.h.
std::string typesStem(const Program& program);

// "a.b" -> "a::b" (empty stays empty).
std::string cppNamespace(const Program& program);

// The C++ value type, e.g. "std::vector<::example::Message>". `program` resolves unqualified
// struct names.
std::string cppType(const Model& model, const std::string& program, const Type& type);

// How an argument is passed: scalars by value, everything else by const reference.
std::string cppParamType(const Model& model, const std::string& program, const Type& type);

// The scales::thrift::wire descriptor, e.g. "::scales::thrift::wire::List<...>".
std::string wireDescriptor(const Model& model, const std::string& program, const Type& type);

}  // namespace scales::gen::idl

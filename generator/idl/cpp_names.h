// SPDX-License-Identifier: Apache-2.0
// How the IDL model is spelled in C++: value types, parameter types, wire descriptors,
// namespaces, and the identifiers we refuse (C++ keywords and names the stubs reserve).
#pragma once

#include <string>

#include "model.h"

namespace scales::gen::idl {

// "a.b" -> "a::b" (empty stays empty).
std::string cppNamespace(const Program& program);

// The C++ value type, e.g. "std::vector<::example::Message>". `program` resolves unqualified
// struct names.
std::string cppType(const Model& model, const std::string& program, const Type& type);

// How an argument is passed: scalars by value, everything else by const reference.
std::string cppParamType(const Model& model, const std::string& program, const Type& type);

// The scales::thrift::wire descriptor, e.g. "::scales::thrift::wire::List<...>".
std::string wireDescriptor(const Model& model, const std::string& program, const Type& type);

// Throws IdlError when `name` cannot be used as a C++ identifier in generated code.
void checkIdentifier(const std::string& name, const std::string& what);

}  // namespace scales::gen::idl

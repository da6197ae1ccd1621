// SPDX-License-Identifier: Apache-2.0
// The IDL names C++ and the generated code cannot take, refused by name and place rather than
// left to fail in the C++ compiler: C++ keywords, macros of the headers generated code includes,
// members of Thrift's generated structs, the class names each service generates, and scales.*
// annotations where they mean nothing.
#pragma once

#include <set>
#include <string>

#include "model.h"

namespace scales::gen::idl {

// Throws IdlError when `name` cannot be a C++ identifier in the generated code. `what` says what
// the name is ("argument", "function", ...).
void checkIdentifier(const std::string& name, const std::string& what, const Location& where);

// An argument: also refuses the async call's own template parameter name.
void checkArgumentName(const std::string& name, const Location& where);

// A function of `service` (its own or inherited): also refuses the names of the classes the
// service generates, which a member may not take.
void checkFunctionName(const std::string& service, const Function& fn);

// Refuses a scales.* annotation not in `known` (a typo would silently drop a policy).
void checkScalesAnnotations(const Annotations& annotations, const std::set<std::string>& known,
                            const std::string& what, const Location& where);

// The value of boolean annotation `key` ("true" or "false"; absent is false).
bool booleanAnnotation(const Annotations& annotations, const std::string& key,
                       const std::string& what, const Location& where);

// Every declaration of the program that is not a service: identifiers, Thrift's struct members,
// type names the services' generated classes take, and scales.* annotations out of place.
void checkDeclarations(const Program& program);

}  // namespace scales::gen::idl

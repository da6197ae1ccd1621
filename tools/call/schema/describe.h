// SPDX-License-Identifier: Apache-2.0
// What `scales-call --list` and `--describe` print: services with their functions' signatures,
// and a type (or a function) with a JSON skeleton of it to start an argument from.
#pragma once

#include <ostream>
#include <string>

#include "codec/json_values.h"
#include "schema/schema.h"

namespace scales::call {

void listServices(const Schema& schema, std::ostream& out);
// A struct, union, exception or enum by (bare or qualified) name, or a function as
// Service.method. Throws SchemaError when there is none.
void describe(const Schema& schema, const std::string& name, std::ostream& out);
// A value of type `t` in scales-call's JSON form, every field filled in (recursion stops at a
// struct already being filled: null there).
Json skeleton(const Schema& schema, const TypeRef& t);

}  // namespace scales::call

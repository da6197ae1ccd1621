// SPDX-License-Identifier: Apache-2.0
// One JSON value <-> one Thrift scalar, as scales-call spells them: integers as numbers (or
// decimal strings, which i64 beyond 2^53 needs: JSON readers lose precision there), doubles as
// numbers ("NaN", "Infinity" and "-Infinity" as strings), binary as base64, enums by name or
// number, and map keys as JSON object keys. Input that does not fit is refused with its JSON path
// and the type expected there.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "schema/schema.h"

namespace scales::call {

// JSON objects keep their members in the order written: results print in the IDL's field order.
using Json = nlohmann::ordered_json;

// Wrong JSON for the IDL: `path` is where ("msg.tags[2]", "palette[\"red\"]"), what() says it
// all ("at msg.tags[2]: expected string, got 7").
class JsonInputError : public std::runtime_error {
 public:
  JsonInputError(std::string path, const std::string& message)
      : std::runtime_error(message), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

[[noreturn]] void refuse(const std::string& path, const std::string& expected, const Json& got);
// "a.b" (a field), "a[3]" (an element), "a[\"k\"]" (a map entry).
std::string fieldPath(const std::string& parent, const std::string& field);
std::string indexPath(const std::string& parent, size_t index);
std::string keyPath(const std::string& parent, const std::string& key);

// An integer of `kind` (kI8..kI64), from a number or a decimal string, range-checked.
int64_t integerFrom(TypeRef::Kind kind, const Json& v, const std::string& path);
double doubleFrom(const Json& v, const std::string& path);
bool boolFrom(const Json& v, const std::string& path);
std::string stringFrom(const Json& v, const std::string& path);
std::string binaryFrom(const Json& v, const std::string& path);  // base64
int32_t enumFrom(const EnumDef& e, const Json& v, const std::string& path);

// JSON text for people: a Thrift string is bytes, and whatever is not UTF-8 prints as U+FFFD
// instead of failing.
std::string toText(const Json& value, int indent = 2);

Json integerTo(int64_t v);  // a number within +-2^53, a decimal string beyond
Json doubleTo(double v);
Json binaryTo(std::string_view bytes);     // base64
Json enumTo(const EnumDef& e, int32_t v);  // its name, or the number if unnamed

// Whether a map with keys of this type is written as a JSON object (its keys are scalars), or
// else as an array of [key, value] pairs.
bool keysAsObject(const TypeRef& key);
// An object key as the JSON value of the key type (`"42"` for an i32 key is 42).
Json keyFrom(const TypeRef& key, const std::string& object_key, const std::string& path);
// A key value (as integerTo/enumTo/... made it) as an object key.
std::string keyTo(const Json& key);

}  // namespace scales::call

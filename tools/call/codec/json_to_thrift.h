// SPDX-License-Identifier: Apache-2.0
// JSON -> Thrift, driven by the schema: a call's arguments as a JSON object keyed by argument
// name, written with Apache Thrift's own protocol classes (any of them: the template parameter).
// Structs are objects by field name, unions objects with one field, lists and sets arrays, maps
// objects (scalar keys) or arrays of [key, value] pairs; null is the same as leaving a field out.
// A union takes at most one field.
// Everything is checked while it is written: a JsonInputError names the first wrong value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "codec/json_values.h"
#include "codec/thrift_types.h"

namespace scales::call {

template <class Protocol>
class JsonToThrift {
 public:
  JsonToThrift(const Schema& schema, Protocol& proto) : schema_(schema), proto_(proto) {}

  // A struct (or union, or exception) with these fields from `object`.
  void structure(const std::string& name, const std::vector<FieldDef>& fields, bool is_union,
                 const Json& object, const std::string& path, int depth) {
    if (depth > kMaxDepth)
      refuse(path, "nesting at most " + std::to_string(kMaxDepth) + " deep", {});
    if (!object.is_object()) refuse(path, "an object (" + name + ")", object);
    for (const auto& [key, v] : object.items()) {
      if (v.is_null()) continue;
      bool known = false;
      for (const auto& f : fields) known = known || f.name == key;
      if (!known) {
        std::string names;
        for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.name;
        throw JsonInputError(fieldPath(path, key),
                             "at " + fieldPath(path, key) + ": " + name + " has no field " + key +
                                 " (it has: " + (names.empty() ? "none" : names) + ")");
      }
    }
    size_t set = 0;
    proto_.writeStructBegin(name.c_str());
    for (const auto& f : fields) {
      auto it = object.find(f.name);
      if (it == object.end() || it->is_null()) {
        if (f.required == FieldDef::Required::kRequired) {
          throw JsonInputError(fieldPath(path, f.name), "at " + fieldPath(path, f.name) +
                                                            ": required field of " + name +
                                                            " missing (" + f.type.str() + ")");
        }
        continue;
      }
      ++set;
      proto_.writeFieldBegin(f.name.c_str(), wireType(f.type), f.id);
      value(f.type, *it, fieldPath(path, f.name), depth + 1);
      proto_.writeFieldEnd();
    }
    // At most one: Thrift's own C++ writes an unset union field as an empty union.
    if (is_union && set > 1) {
      refuse(path, "at most one field of union " + name + " (it has " + std::to_string(set) + ")",
             object);
    }
    proto_.writeFieldStop();
    proto_.writeStructEnd();
  }

  void value(const TypeRef& t, const Json& v, const std::string& path, int depth) {
    using Kind = TypeRef::Kind;
    switch (t.kind) {
      case Kind::kBool:
        proto_.writeBool(boolFrom(v, path));
        return;
      case Kind::kI8:
        proto_.writeByte(static_cast<int8_t>(integerFrom(t.kind, v, path)));
        return;
      case Kind::kI16:
        proto_.writeI16(static_cast<int16_t>(integerFrom(t.kind, v, path)));
        return;
      case Kind::kI32:
        proto_.writeI32(static_cast<int32_t>(integerFrom(t.kind, v, path)));
        return;
      case Kind::kI64:
        proto_.writeI64(integerFrom(t.kind, v, path));
        return;
      case Kind::kDouble:
        proto_.writeDouble(doubleFrom(v, path));
        return;
      case Kind::kString:
        proto_.writeString(stringFrom(v, path));
        return;
      case Kind::kBinary:
        proto_.writeBinary(binaryFrom(v, path));
        return;
      case Kind::kEnum:
        proto_.writeI32(enumFrom(*schema_.enumNamed(t.name), v, path));
        return;
      case Kind::kStruct: {
        const StructDef& s = *schema_.structNamed(t.name);
        structure(s.name, s.fields, s.kind == StructDef::Kind::kUnion, v, path, depth);
        return;
      }
      case Kind::kList:
      case Kind::kSet:
        elements(t, v, path, depth);
        return;
      case Kind::kMap:
        entries(t, v, path, depth);
        return;
      case Kind::kVoid:
        break;
    }
    refuse(path, "nothing (void)", v);
  }

 private:
  void elements(const TypeRef& t, const Json& v, const std::string& path, int depth) {
    if (!v.is_array()) refuse(path, "an array (" + t.str() + ")", v);
    auto size = static_cast<uint32_t>(v.size());
    if (t.kind == TypeRef::Kind::kList) {
      proto_.writeListBegin(wireType(*t.elem), size);
    } else {
      proto_.writeSetBegin(wireType(*t.elem), size);
    }
    for (size_t i = 0; i < v.size(); ++i) value(*t.elem, v[i], indexPath(path, i), depth + 1);
    if (t.kind == TypeRef::Kind::kList) {
      proto_.writeListEnd();
    } else {
      proto_.writeSetEnd();
    }
  }

  void entries(const TypeRef& t, const Json& v, const std::string& path, int depth) {
    bool as_object = v.is_object() && keysAsObject(*t.elem);
    if (!as_object && !v.is_array()) {
      refuse(path,
             keysAsObject(*t.elem) ? "an object or an array of [key, value] pairs (" + t.str() + ")"
                                   : "an array of [key, value] pairs (" + t.str() + ")",
             v);
    }
    proto_.writeMapBegin(wireType(*t.elem), wireType(*t.value), static_cast<uint32_t>(v.size()));
    if (as_object) {
      for (const auto& [key, item] : v.items()) {
        std::string at = keyPath(path, key);
        value(*t.elem, keyFrom(*t.elem, key, at), at, depth + 1);
        value(*t.value, item, at, depth + 1);
      }
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        const auto& pair = v[i];
        std::string at = indexPath(path, i);
        if (!pair.is_array() || pair.size() != 2) refuse(at, "a [key, value] pair", pair);
        value(*t.elem, pair[0], indexPath(at, 0), depth + 1);
        value(*t.value, pair[1], indexPath(at, 1), depth + 1);
      }
    }
    proto_.writeMapEnd();
  }

  const Schema& schema_;
  Protocol& proto_;
};

// A call's arguments, as encodeMessage's body: `args` keyed by argument name.
struct JsonArgs {
  const Schema& schema;
  const FunctionDef& function;
  const Json& args;

  template <class Protocol>
  uint32_t write(Protocol* proto) const {
    JsonToThrift<Protocol>(schema, *proto)
        .structure(function.name + "_args", function.args, false, args, "", 0);
    return 0;
  }
};

}  // namespace scales::call

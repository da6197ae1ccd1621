// SPDX-License-Identifier: Apache-2.0
// Thrift -> JSON, driven by the schema: a reply's result struct read with Apache Thrift's own
// protocol classes, into the JSON forms json_to_thrift.h accepts (so a printed result can be
// pasted back as an argument). Fields the schema does not know, or that arrive with another wire
// type, are skipped, as Thrift's generated readers do; a container whose elements have another
// type than the IDL's is refused.
#pragma once

#include <thrift/protocol/TProtocol.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "codec/json_values.h"
#include "codec/thrift_types.h"

namespace scales::call {

template <class Protocol>
class ThriftToJson {
 public:
  ThriftToJson(const Schema& schema, Protocol& proto) : schema_(schema), proto_(proto) {}

  Json structure(const StructDef& s, int depth) {
    Json out = Json::object();
    std::string ignored;
    proto_.readStructBegin(ignored);
    for (;;) {
      apache::thrift::protocol::TType type;
      int16_t id = 0;
      proto_.readFieldBegin(ignored, type, id);
      if (type == apache::thrift::protocol::T_STOP) break;
      const FieldDef* f = s.field(id);
      if (f != nullptr && wireType(f->type) == type) {
        out[f->name] = value(f->type, depth + 1);
      } else {
        apache::thrift::protocol::skip(proto_, type);
      }
      proto_.readFieldEnd();
    }
    proto_.readStructEnd();
    return out;
  }

  Json value(const TypeRef& t, int depth) {
    using Kind = TypeRef::Kind;
    if (depth > kMaxDepth) {
      throw apache::thrift::protocol::TProtocolException(
          apache::thrift::protocol::TProtocolException::DEPTH_LIMIT);
    }
    switch (t.kind) {
      case Kind::kBool: {
        bool v = false;
        proto_.readBool(v);
        return v;
      }
      case Kind::kI8: {
        int8_t v = 0;
        proto_.readByte(v);
        return v;
      }
      case Kind::kI16: {
        int16_t v = 0;
        proto_.readI16(v);
        return v;
      }
      case Kind::kI32: {
        int32_t v = 0;
        proto_.readI32(v);
        return v;
      }
      case Kind::kI64: {
        int64_t v = 0;
        proto_.readI64(v);
        return integerTo(v);
      }
      case Kind::kDouble: {
        double v = 0;
        proto_.readDouble(v);
        return doubleTo(v);
      }
      case Kind::kString: {
        std::string v;
        proto_.readString(v);
        return v;
      }
      case Kind::kBinary: {
        std::string v;
        proto_.readBinary(v);
        return binaryTo(v);
      }
      case Kind::kEnum: {
        int32_t v = 0;
        proto_.readI32(v);
        return enumTo(*schema_.enumNamed(t.name), v);
      }
      case Kind::kStruct:
        return structure(*schema_.structNamed(t.name), depth);
      case Kind::kList:
      case Kind::kSet:
        return elements(t, depth);
      case Kind::kMap:
        return entries(t, depth);
      case Kind::kVoid:
        break;
    }
    return nullptr;
  }

 private:
  Json elements(const TypeRef& t, int depth) {
    apache::thrift::protocol::TType type;
    uint32_t size = 0;
    if (t.kind == TypeRef::Kind::kList) {
      proto_.readListBegin(type, size);
    } else {
      proto_.readSetBegin(type, size);
    }
    if (size > 0 && type != wireType(*t.elem)) mismatch(t);
    Json out = Json::array();
    for (uint32_t i = 0; i < size; ++i) out.push_back(value(*t.elem, depth + 1));
    if (t.kind == TypeRef::Kind::kList) {
      proto_.readListEnd();
    } else {
      proto_.readSetEnd();
    }
    return out;
  }

  Json entries(const TypeRef& t, int depth) {
    apache::thrift::protocol::TType key_type, value_type;
    uint32_t size = 0;
    proto_.readMapBegin(key_type, value_type, size);
    if (size > 0 && (key_type != wireType(*t.elem) || value_type != wireType(*t.value))) {
      mismatch(t);
    }
    bool as_object = keysAsObject(*t.elem);
    Json out = as_object ? Json::object() : Json::array();
    // An ordered object finds a key by a linear search: a reply of a million keys would take
    // quadratic time. Entries are appended, and a repeated key (the last one wins, as in a
    // std::map) is found by its index.
    std::unordered_map<std::string, size_t> index;
    for (uint32_t i = 0; i < size; ++i) {
      auto key = value(*t.elem, depth + 1);
      auto item = value(*t.value, depth + 1);
      if (!as_object) {
        out.push_back(Json::array({std::move(key), std::move(item)}));
        continue;
      }
      auto& entries = out.get_ref<Json::object_t&>();
      auto [at, added] = index.emplace(keyTo(key), entries.size());
      if (added) {
        entries.emplace_back(at->first, std::move(item));
      } else {
        std::next(entries.begin(), static_cast<std::ptrdiff_t>(at->second))->second =
            std::move(item);
      }
    }
    proto_.readMapEnd();
    return out;
  }

  // A non-empty container of another element type than the IDL's: the peer speaks another IDL,
  // and an empty answer would hide it.
  [[noreturn]] void mismatch(const TypeRef& t) {
    throw apache::thrift::protocol::TProtocolException(
        apache::thrift::protocol::TProtocolException::INVALID_DATA,
        "a " + t.str() + " arrived with other element types");
  }

  const Schema& schema_;
  Protocol& proto_;
};

// A reply's result struct, as decodeMessage's body: field 0 is the return value, the others the
// function's declared exceptions.
struct JsonResult {
  const Schema& schema;
  const FunctionDef& function;
  bool returned = false;  // field 0 arrived (or the function returns void)
  Json value = nullptr;   // the return value (null for void)
  // The declared exception that arrived: its type's qualified name and its fields.
  std::optional<std::pair<std::string, Json>> exception = std::nullopt;

  template <class Protocol>
  uint32_t read(Protocol* proto) {
    ThriftToJson<Protocol> reader(schema, *proto);
    std::string ignored;
    proto->readStructBegin(ignored);
    for (;;) {
      apache::thrift::protocol::TType type;
      int16_t id = 0;
      proto->readFieldBegin(ignored, type, id);
      if (type == apache::thrift::protocol::T_STOP) break;
      const FieldDef* thrown = nullptr;
      for (const auto& x : function.throws) thrown = x.id == id ? &x : thrown;
      if (id == 0 && function.returns.kind != TypeRef::Kind::kVoid &&
          type == wireType(function.returns)) {
        value = reader.value(function.returns, 1);
        returned = true;
      } else if (thrown != nullptr && type == apache::thrift::protocol::T_STRUCT) {
        exception.emplace(thrown->type.name, reader.value(thrown->type, 1));
      } else {
        apache::thrift::protocol::skip(*proto, type);
      }
      proto->readFieldEnd();
    }
    proto->readStructEnd();
    if (function.returns.kind == TypeRef::Kind::kVoid) returned = !exception;
    if (returned) exception.reset();  // as Thrift's generated code: a set success wins
    return 0;
  }
};

}  // namespace scales::call

// SPDX-License-Identifier: Apache-2.0
// The Thrift wire type of a schema type, and how deep scales-call lets values nest (recursive
// structs could otherwise nest without end, on the way in and the way out).
#pragma once

#include <thrift/protocol/TProtocol.h>

#include "schema/schema.h"

namespace scales::call {

inline constexpr int kMaxDepth = 64;

inline apache::thrift::protocol::TType wireType(const TypeRef& t) {
  using apache::thrift::protocol::TType;
  using Kind = TypeRef::Kind;
  switch (t.kind) {
    case Kind::kBool:
      return TType::T_BOOL;
    case Kind::kI8:
      return TType::T_BYTE;
    case Kind::kI16:
      return TType::T_I16;
    case Kind::kI32:
    case Kind::kEnum:
      return TType::T_I32;
    case Kind::kI64:
      return TType::T_I64;
    case Kind::kDouble:
      return TType::T_DOUBLE;
    case Kind::kString:
    case Kind::kBinary:
      return TType::T_STRING;
    case Kind::kStruct:
      return TType::T_STRUCT;
    case Kind::kList:
      return TType::T_LIST;
    case Kind::kSet:
      return TType::T_SET;
    case Kind::kMap:
      return TType::T_MAP;
    case Kind::kVoid:
      break;
  }
  return TType::T_VOID;
}

}  // namespace scales::call

// SPDX-License-Identifier: Apache-2.0
// A Redis reply as the server sent it (RESP2, and RESP3's extra types), and the error a server's
// error reply becomes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/errors.h"

namespace scales::redis {

struct Reply {
  enum class Type {
    kNil,
    kSimpleString,  // +OK
    kError,         // -ERR ... (also RESP3's !bulk error)
    kInteger,       // :42
    kBulkString,    // $3 foo (also RESP3's =verbatim, whose "txt:" prefix is dropped)
    kArray,         // *N (also RESP3's ~set)
    kMap,           // RESP3 %N: elements hold key, value, key, value, ...
    kDouble,        // RESP3 ,3.14 (text in `string`, value in `number`)
    kBoolean,       // RESP3 #t / #f (in `integer`: 1 or 0)
    kBigNumber,     // RESP3 (123... (digits in `string`)
  };
  Type type = Type::kNil;
  std::string string;
  int64_t integer = 0;
  double number = 0;
  std::vector<Reply> elements;

  bool isNil() const { return type == Type::kNil; }
  bool isError() const { return type == Type::kError; }
};

std::string_view typeName(Reply::Type type);

// A server's error reply, e.g. "WRONGTYPE Operation against a key holding the wrong kind of
// value". kind() is its first word ("ERR", "WRONGTYPE", "NOAUTH", ...).
class ServerError : public Error {
 public:
  explicit ServerError(const std::string& text);
  const std::string& kind() const { return kind_; }
  SCALES_TRACEABLE(ServerError)

 private:
  std::string kind_;
};

}  // namespace scales::redis

// SPDX-License-Identifier: Apache-2.0
#include "codec/json_values.h"

#include <boost/beast/core/detail/base64.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace scales::call {
namespace {
using json = Json;
using Kind = TypeRef::Kind;
namespace base64 = boost::beast::detail::base64;

constexpr int64_t kExactInDouble = int64_t{1} << 53;

// What the user wrote, shortened: error messages quote it.
std::string quote(const json& got) {
  std::string text = got.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::kI8:
      return "i8 (-128 to 127)";
    case Kind::kI16:
      return "i16 (-32768 to 32767)";
    case Kind::kI32:
      return "i32 (-2147483648 to 2147483647)";
    default:
      return "i64 (a number, or a decimal string beyond 2^53)";
  }
}

std::pair<int64_t, int64_t> rangeOf(Kind kind) {
  switch (kind) {
    case Kind::kI8:
      return {INT8_MIN, INT8_MAX};
    case Kind::kI16:
      return {INT16_MIN, INT16_MAX};
    case Kind::kI32:
      return {INT32_MIN, INT32_MAX};
    default:
      return {INT64_MIN, INT64_MAX};
  }
}
}  // namespace

void refuse(const std::string& path, const std::string& expected, const json& got) {
  throw JsonInputError(path, "at " + (path.empty() ? std::string("the arguments") : path) +
                                 ": expected " + expected + ", got " + quote(got));
}

std::string fieldPath(const std::string& parent, const std::string& field) {
  return parent.empty() ? field : parent + "." + field;
}
std::string indexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}
std::string keyPath(const std::string& parent, const std::string& key) {
  return parent + "[" + json(key).dump() + "]";
}

int64_t integerFrom(Kind kind, const json& v, const std::string& path) {
  int64_t out = 0;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX}) {
      refuse(path, kindName(kind), v);
    }
    out = v.get<int64_t>();
  } else if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      refuse(path, kindName(kind), v);
    }
  } else {
    refuse(path, kindName(kind), v);
  }
  auto [lo, hi] = rangeOf(kind);
  if (out < lo || out > hi) refuse(path, kindName(kind), v);
  return out;
}

double doubleFrom(const json& v, const std::string& path) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  refuse(path, "double (a number, \"NaN\", \"Infinity\" or \"-Infinity\")", v);
}

bool boolFrom(const json& v, const std::string& path) {
  if (!v.is_boolean()) refuse(path, "bool (true or false)", v);
  return v.get<bool>();
}

std::string stringFrom(const json& v, const std::string& path) {
  if (!v.is_string()) refuse(path, "string", v);
  return v.get<std::string>();
}

std::string binaryFrom(const json& v, const std::string& path) {
  if (!v.is_string()) refuse(path, "binary (a base64 string)", v);
  const auto& text = v.get_ref<const std::string&>();
  // Up to two '=' of padding, and then only a whole number of 4-character groups; without it,
  // a last group of 2 or 3 characters (1 is never valid base64).
  size_t data = text.find_last_not_of('=') + 1;  // npos + 1 == 0: all padding, or empty
  size_t padding = text.size() - data;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0) || data % 4 == 1) {
    refuse(path, "binary (a base64 string)", v);
  }
  // Beast's decoded_size assumes whole groups: a short last group needs its own room.
  std::string out((data + 3) / 4 * 3, '\0');
  auto [written, read] = base64::decode(out.data(), text.data(), data);
  if (read != data) refuse(path, "binary (a base64 string)", v);  // a character outside it
  out.resize(written);
  return out;
}

int32_t enumFrom(const EnumDef& e, const json& v, const std::string& path) {
  if (v.is_string()) {
    for (const auto& [name, value] : e.values) {
      if (name == v.get_ref<const std::string&>()) return value;
    }
  } else if (v.is_number_integer()) {
    return static_cast<int32_t>(integerFrom(Kind::kI32, v, path));
  }
  std::string names;
  for (const auto& [name, value] : e.values) names += (names.empty() ? "" : ", ") + name;
  refuse(path, e.name + " (one of " + names + ", or a number)", v);
}

json integerTo(int64_t v) {
  if (v > kExactInDouble || v < -kExactInDouble) return std::to_string(v);
  return v;
}

json doubleTo(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json binaryTo(std::string_view bytes) {
  std::string out(base64::encoded_size(bytes.size()), '\0');
  out.resize(base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

json enumTo(const EnumDef& e, int32_t v) {
  if (const std::string* name = e.nameOf(v)) return *name;
  return v;
}

bool keysAsObject(const TypeRef& key) {
  return key.kind != Kind::kStruct && key.kind != Kind::kList && key.kind != Kind::kSet &&
         key.kind != Kind::kMap;
}

json keyFrom(const TypeRef& key, const std::string& object_key, const std::string& path) {
  switch (key.kind) {
    case Kind::kBool:
      if (object_key == "true" || object_key == "false") return object_key == "true";
      refuse(path, "a bool key (\"true\" or \"false\")", object_key);
    case Kind::kI8:
    case Kind::kI16:
    case Kind::kI32:
    case Kind::kI64:
      return integerTo(integerFrom(key.kind, object_key, path));
    case Kind::kDouble: {
      if (object_key == "NaN" || object_key == "Infinity" || object_key == "-Infinity") {
        return object_key;
      }
      double out = 0;
      auto [end, ec] =
          std::from_chars(object_key.data(), object_key.data() + object_key.size(), out);
      if (ec != std::errc() || end != object_key.data() + object_key.size()) {
        refuse(path, "a double key", object_key);
      }
      return out;
    }
    case Kind::kEnum: {
      // A name stays a name; a number's text becomes the number.
      int32_t number = 0;
      auto [end, ec] =
          std::from_chars(object_key.data(), object_key.data() + object_key.size(), number);
      if (ec == std::errc() && end == object_key.data() + object_key.size()) return number;
      return object_key;
    }
    default:
      return object_key;
  }
}

std::string toText(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string keyTo(const json& key) { return key.is_string() ? key.get<std::string>() : key.dump(); }

}  // namespace scales::call

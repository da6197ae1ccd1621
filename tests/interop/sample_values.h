// SPDX-License-Identifier: Apache-2.0
// Values that exercise every type of tests/idl/interop.thrift, and the service's semantics. This
// header compiles against either Thrift code flavour (stock `--gen cpp` for the stock peers,
// `--gen cpp:templates,moveable_types` for scales), so both sides agree on what to expect.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace interop::samples {

inline std::string allBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

inline Primitives primitives(int variant = 0) {
  Primitives p;
  p.__set_flag(variant % 2 == 0);
  p.__set_tiny(static_cast<int8_t>(variant == 0 ? std::numeric_limits<int8_t>::min() : 127));
  p.__set_small(static_cast<int16_t>(variant == 0 ? std::numeric_limits<int16_t>::min() : 32767));
  p.__set_medium(variant == 0 ? std::numeric_limits<int32_t>::min() : -7);
  p.__set_large(variant == 0 ? std::numeric_limits<int64_t>::max() : -1);
  p.__set_real(variant == 0 ? -0.1 : 6.02214076e23);
  p.__set_text(variant == 0 ? std::string("h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93") : "");
  p.__set_blob(variant == 0 ? allBytes() : std::string("\0\0", 2));
  return p;
}

inline Everything everything() {
  Everything e;
  e.__set_primitives(primitives(0));
  Defaults d;
  d.__set_must("required value");
  d.__set_maybe(-5);
  d.__set_numbers({1, 2, 3});
  e.__set_defaults(d);
  Choice choice;
  ::interop::shared::Point point;
  point.__set_x(1.5);
  point.__set_y(-2.25);
  choice.__set_point(point);
  e.__set_choice(choice);
  e.__set_color(Color::BLUE);
  e.__set_stamp(1732450000123LL);
  e.__set_path({point, point});
  e.__set_matrix({{1, 2}, {}, {3}});
  e.__set_tags({"a", "b", "\xe2\x9c\x93"});
  e.__set_palette({{"warm", {Color::RED}}, {"all", {Color::RED, Color::GREEN, Color::BLUE}}});
  e.__set_nested({{1, {{"x", allBytes()}}}, {-1, {}}});
  e.__set_many({primitives(0), primitives(1)});
  Choice maybe;
  maybe.__set_word("maybe");
  e.__set_maybe_choice(maybe);
  return e;
}

// A value whose optional fields are all unset, relying on IDL defaults.
inline Everything sparse() {
  Everything e;
  Defaults d;
  d.__set_must("");
  e.__set_defaults(d);
  return e;
}

// The service's semantics, shared by the stock server and the scales handler.
inline int64_t add(int32_t a, int64_t b) { return a + b; }
inline double scale(double x, int8_t f) { return x * f; }
inline std::string concat(const std::string& a, const std::string& b) { return a + b; }
inline std::vector<std::string> split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto at = sep.empty() ? std::string::npos : text.find(sep, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}
inline std::set<int32_t> unique(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }
inline std::map<std::string, int32_t> count(const std::vector<std::string>& words) {
  std::map<std::string, int32_t> out;
  for (const auto& w : words) ++out[w];
  return out;
}
inline int32_t nextColor(int32_t c) {
  return c == Color::RED ? Color::GREEN : c == Color::GREEN ? Color::BLUE : Color::RED;
}
inline int64_t later(int64_t stamp, int32_t seconds) { return stamp + seconds * 1000LL; }
inline Choice choose(int32_t which) {
  Choice c;
  if (which == 0) c.__set_number(7);
  if (which == 1) c.__set_word("seven");
  if (which == 2) {
    ::interop::shared::Point p;
    p.__set_x(7);
    p.__set_y(7);
    c.__set_point(p);
  }
  return c;
}
inline std::string lookupValue(const std::string& key) { return "value-" + key; }
inline bool lookupFinds(const std::string& key) { return !key.empty() && key[0] == 'k'; }
inline std::string lookup(const std::string& key) {
  if (!lookupFinds(key)) {
    ::interop::shared::NotFound e;
    e.__set_key(key);
    throw e;
  }
  return lookupValue(key);
}
// fail(1) throws Invalid, fail(2) NotFound, anything else returns.
inline void fail(int32_t code) {
  if (code == 1) {
    Invalid e;
    e.__set_code(1);
    e.__set_reason("one");
    throw e;
  }
  if (code == 2) {
    ::interop::shared::NotFound e;
    e.__set_key("two");
    throw e;
  }
}

}  // namespace interop::samples

// SPDX-License-Identifier: Apache-2.0
// Numbers written straight onto the end of a string, for the hot paths that write ids and times
// into headers and JSON: a std::string per number (std::to_string, or 16 hex digits, past the
// short-string buffer) costs an allocation each.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace scales::detail {

// 16 lowercase hex digits, zero-padded: how B3, W3C and Zipkin write 64-bit ids.
inline void appendHex64(std::string& out, uint64_t id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char digits[16];
  for (int i = 15; i >= 0; --i, id >>= 4) digits[i] = kDigits[id & 0xf];
  out.append(digits, sizeof digits);
}

inline void appendDecimal(std::string& out, int64_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace scales::detail

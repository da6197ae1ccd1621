// SPDX-License-Identifier: Apache-2.0
// The stable 64-bit hash behind ring hash: the same bytes hash the same in every process and
// build (std::hash promises neither), so every client maps a key to the same endpoint.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace scales {

constexpr uint64_t hashBytes(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then a murmur3 finaliser to spread the bits
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb93fe53a85b9ULL;
  h ^= h >> 33;
  return h;
}

// Keys as callers name them: strings and binaries by their bytes, integers and enums by value.
inline uint64_t hashKey(std::string_view key) { return hashBytes(key); }
template <class T>
requires(std::is_integral_v<T> || std::is_enum_v<T>) uint64_t hashKey(T key) {
  auto v = static_cast<uint64_t>(static_cast<int64_t>(key));
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (8 * i));
  return hashBytes(std::string_view(bytes, 8));
}

}  // namespace scales

#include <optional>

namespace scales {

// An explicit key for the calls this thread starts while the scope lives (ring hash routes by
// it; other balancers ignore it). Nested scopes restore the outer key. A call's initiation must
// happen inside the scope: for asio::deferred that is when the deferred operation is launched.
class HashKeyScope {
 public:
  explicit HashKeyScope(uint64_t key) : previous_(slot()) { slot() = key; }
  ~HashKeyScope() { slot() = previous_; }
  HashKeyScope(const HashKeyScope&) = delete;
  HashKeyScope& operator=(const HashKeyScope&) = delete;

  static std::optional<uint64_t> current() { return slot(); }

 private:
  static std::optional<uint64_t>& slot() {
    thread_local std::optional<uint64_t> key;
    return key;
  }
  std::optional<uint64_t> previous_;
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// The ring-hash key of a call argument that ThriftOptions::hash_field names: integers, enums and
// strings/binaries hash by value (scales::hashKey); other types give no key (a random pick).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "scales/balancer/hash.h"

namespace scales::thrift {

template <class T>
std::optional<uint64_t> hashArgument(const T& value) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return hashKey(value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return hashKey(std::string_view(value));
  } else {
    return std::nullopt;
  }
}

}  // namespace scales::thrift

// SPDX-License-Identifier: Apache-2.0
#include "core/base64.h"

#include <boost/beast/core/detail/base64.hpp>

namespace scales::detail {
namespace base64 = boost::beast::detail::base64;

std::string base64Encode(std::string_view value) {
  std::string out(base64::encoded_size(value.size()), '\0');
  out.resize(base64::encode(out.data(), value.data(), value.size()));
  return out;
}

std::optional<std::string> base64Decode(std::string_view value) {
  // Beast's decoder stops at the first '=' or foreign byte: check the padding here, and that it
  // read everything before it.
  size_t pad = 0;
  while (pad < 2 && !value.empty() && value.back() == '=') {
    value.remove_suffix(1);
    ++pad;
  }
  if (value.size() % 4 == 1 || (pad > 0 && (value.size() + pad) % 4 != 0)) return std::nullopt;
  // Beast writes a partial group's bytes too: room for whole groups.
  std::string out((value.size() + 3) / 4 * 3, '\0');
  auto [written, read] = base64::decode(out.data(), value.data(), value.size());
  if (read != value.size()) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace scales::detail

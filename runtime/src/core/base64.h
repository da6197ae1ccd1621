// SPDX-License-Identifier: Apache-2.0
// Standard base64 (RFC 4648, with padding), strict on input: Finagle-Ctx- headers and etcd's JSON
// gateway both carry bytes this way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scales::detail {

std::string base64Encode(std::string_view bytes);
// nullopt when `text` is not base64 (a foreign byte, a bad length or padding).
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace scales::detail

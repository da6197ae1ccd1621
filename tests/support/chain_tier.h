// SPDX-License-Identifier: Apache-2.0
// One tier of the context propagation chain (tests/support/chain_server.cpp): what reached it, as
// a chain::Hop, and the same as JSON for the HTTP chain.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "chain_types.h"

namespace scales::testing {

// What scales::inherited() holds on this thread, as the tier `tier` saw it.
chain::Hop hopHere(const std::string& tier);

nlohmann::json hopToJson(const chain::Hop& hop);  // context values in hex
chain::Hop hopFromJson(const nlohmann::json& json);

std::string toHex(std::string_view bytes);
std::string fromHex(std::string_view hex);

}  // namespace scales::testing

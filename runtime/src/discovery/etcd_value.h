// SPDX-License-Identifier: Apache-2.0
// What an etcd:// key may hold, told apart by its first byte:
// - `host:port` (or `[v6]:port`), optionally followed by a weight: `10.0.0.5:9090 2.5`;
// - Finagle serverset JSON (serverset.h), which `!name` reads an additional endpoint of;
// - etcd's own endpoint JSON, as its Go endpoint manager writes it: {"Op": 0, "Addr": "h:p",
//   "Metadata": ...} (Op 1 is a deletion; a numeric Metadata.weight is the weight).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scales/discovery/endpoint.h"

namespace scales::discovery {

// nullopt when the value names no endpoint for `endpoint_name` (a serverset member that is not
// ALIVE or lacks it; an endpoint-manager deletion; a host:port value asked for a named endpoint).
// Throws ConfigError saying what is wrong with a malformed value.
std::optional<Endpoint> parseEtcdValue(std::string_view value, const std::string& endpoint_name);

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
// Finagle's serverset member format (what a ZooKeeper serverset's member_ znodes hold, and what a
// file:// endpoint list may hold instead of host:port lines):
//   {"serviceEndpoint": {"host": "10.0.0.1", "port": 9090},
//    "additionalEndpoints": {"http": {"host": "10.0.0.1", "port": 8080}},
//    "status": "ALIVE", "shard": 0}
// Only ALIVE members are endpoints; `endpoint_name` picks an additional endpoint instead of the
// service endpoint (Finagle's `!name` suffix).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scales/discovery/endpoint.h"

namespace scales::discovery {

// One member's endpoint; nullopt when it is not ALIVE or lacks the named endpoint. Throws
// ConfigError naming what is wrong with malformed JSON.
std::optional<Endpoint> parseServersetMember(std::string_view json,
                                             const std::string& endpoint_name = "");

// A JSON array of members (a serverset written to a file).
std::vector<Endpoint> parseServersetArray(std::string_view json,
                                          const std::string& endpoint_name = "");

// Encodes an ALIVE member, as a server announcing itself writes it.
std::string serversetMemberJson(const Endpoint& service_endpoint, int shard = 0,
                                const std::map<std::string, Endpoint>& additional = {});

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
#include "scales/discovery/serverset.h"

#include <nlohmann/json.hpp>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace {
using nlohmann::json;

Endpoint endpointOf(const json& node, const std::string& what) {
  if (!node.is_object() || !node.contains("host") || !node.contains("port") ||
      !node["host"].is_string() || !node["port"].is_number_integer()) {
    throw ConfigError("serverset member: " + what + " needs a string host and an integer port");
  }
  auto port = node["port"].get<int64_t>();
  if (port < 1 || port > 65535) {
    throw ConfigError("serverset member: " + what + " port " + std::to_string(port) +
                      " is out of range");
  }
  return Endpoint{node["host"].get<std::string>(), static_cast<uint16_t>(port)};
}

std::optional<Endpoint> memberOf(const json& member, const std::string& endpoint_name) {
  if (!member.is_object()) throw ConfigError("serverset member is not a JSON object");
  if (member.value("status", std::string("ALIVE")) != "ALIVE") return std::nullopt;
  if (endpoint_name.empty()) {
    if (!member.contains("serviceEndpoint")) {
      throw ConfigError("serverset member has no serviceEndpoint");
    }
    return endpointOf(member["serviceEndpoint"], "serviceEndpoint");
  }
  auto additional = member.find("additionalEndpoints");
  if (additional == member.end() || !additional->contains(endpoint_name)) return std::nullopt;
  return endpointOf((*additional)[endpoint_name], "additionalEndpoints." + endpoint_name);
}

json parse(std::string_view text) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("serverset JSON does not parse: ") + e.what());
  }
}

}  // namespace

std::optional<Endpoint> parseServersetMember(std::string_view text,
                                             const std::string& endpoint_name) {
  return memberOf(parse(text), endpoint_name);
}

std::vector<Endpoint> parseServersetArray(std::string_view text, const std::string& endpoint_name) {
  auto doc = parse(text);
  if (!doc.is_array()) throw ConfigError("serverset JSON: expected an array of members");
  std::vector<Endpoint> endpoints;
  for (const auto& member : doc) {
    if (auto endpoint = memberOf(member, endpoint_name)) endpoints.push_back(*endpoint);
  }
  return endpoints;
}

std::string serversetMemberJson(const Endpoint& service_endpoint, int shard,
                                const std::map<std::string, Endpoint>& additional) {
  json named = json::object();
  for (const auto& [name, endpoint] : additional) {
    named[name] = {{"host", endpoint.host}, {"port", endpoint.port}};
  }
  json member = {
      {"serviceEndpoint", {{"host", service_endpoint.host}, {"port", service_endpoint.port}}},
      {"additionalEndpoints", std::move(named)},
      {"status", "ALIVE"},
      {"shard", shard}};
  return member.dump();
}

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
#include "discovery/etcd_value.h"

#include <nlohmann/json.hpp>

#include "scales/core/errors.h"
#include "scales/discovery/serverset.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {
namespace {

std::string_view trimmed(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

Endpoint hostPort(std::string_view text) {
  try {
    auto hp = parseHostPort(text, text);
    return Endpoint{hp.host, hp.port};
  } catch (const ConfigError&) {
    throw ConfigError("'" + std::string(text.substr(0, 128)) +
                      "' is not host:port (or serverset or endpoint JSON)");
  }
}

double weightOf(std::string_view text) {
  std::string copy(text);
  size_t used = 0;
  double weight = 0;
  try {
    weight = std::stod(copy, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != copy.size() || !(weight > 0) || weight > 1e9) {
    throw ConfigError("weight '" + copy.substr(0, 32) + "' is not a positive number");
  }
  return weight;
}

std::optional<Endpoint> endpointManagerEntry(const nlohmann::json& entry,
                                             const std::string& endpoint_name) {
  const auto& addr = entry["Addr"];
  if (!addr.is_string()) throw ConfigError("endpoint JSON: 'Addr' is not a string");
  if (entry.contains("Op") && !entry["Op"].is_number_integer()) {
    throw ConfigError("endpoint JSON: 'Op' is not an integer");
  }
  if (entry.value("Op", 0) != 0) return std::nullopt;  // 1: a deletion record
  if (!endpoint_name.empty()) return std::nullopt;     // one address, no named ones
  auto endpoint = hostPort(addr.get<std::string>());
  auto metadata = entry.find("Metadata");
  if (metadata != entry.end() && metadata->is_object() && metadata->contains("weight")) {
    const auto& weight = (*metadata)["weight"];
    if (!weight.is_number() || !(weight.get<double>() > 0)) {
      throw ConfigError("endpoint JSON: Metadata.weight is not a positive number");
    }
    endpoint.weight = weight.get<double>();
  }
  return endpoint;
}

}  // namespace

std::optional<Endpoint> parseEtcdValue(std::string_view value, const std::string& endpoint_name) {
  auto text = trimmed(value);
  if (text.empty()) throw ConfigError("the value is empty");
  if (text.front() == '{') {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw ConfigError("the JSON value does not parse");
    if (doc.contains("serviceEndpoint")) return parseServersetMember(text, endpoint_name);
    if (doc.contains("Addr")) return endpointManagerEntry(doc, endpoint_name);
    throw ConfigError("JSON with neither 'serviceEndpoint' (serverset) nor 'Addr' (endpoint)");
  }
  auto space = text.find_first_of(" \t");
  auto endpoint = hostPort(text.substr(0, space));
  if (space != std::string_view::npos) endpoint.weight = weightOf(trimmed(text.substr(space)));
  if (!endpoint_name.empty()) return std::nullopt;
  return endpoint;
}

}  // namespace scales::discovery

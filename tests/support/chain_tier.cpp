// SPDX-License-Identifier: Apache-2.0
#include "support/chain_tier.h"

#include <chrono>

#include "scales/context/inherited.h"

namespace scales::testing {

chain::Hop hopHere(const std::string& tier) {
  const Inherited& in = inherited();
  chain::Hop hop;
  hop.tier = tier;
  hop.trace_id = in.trace.traceIdHex();
  hop.span_id = TraceContext::idHex(in.trace.span_id);
  hop.parent_id = TraceContext::idHex(in.trace.parent_id);
  hop.deadline_left_us =
      in.deadline.isInfinite()
          ? -1
          : std::chrono::duration_cast<std::chrono::microseconds>(in.deadline.remaining()).count();
  for (const auto& [k, v] : in.broadcast) hop.contexts[k] = v;
  hop.retries = static_cast<int32_t>(in.retries);
  hop.sampled = in.trace.sampled();
  return hop;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

nlohmann::json hopToJson(const chain::Hop& hop) {
  nlohmann::json contexts = nlohmann::json::object();
  for (const auto& [k, v] : hop.contexts) contexts[k] = toHex(v);
  return {{"tier", hop.tier},
          {"trace_id", hop.trace_id},
          {"span_id", hop.span_id},
          {"parent_id", hop.parent_id},
          {"deadline_left_us", hop.deadline_left_us},
          {"contexts", contexts},
          {"retries", hop.retries},
          {"sampled", hop.sampled}};
}

chain::Hop hopFromJson(const nlohmann::json& json) {
  chain::Hop hop;
  hop.tier = json.at("tier");
  hop.trace_id = json.at("trace_id");
  hop.span_id = json.at("span_id");
  hop.parent_id = json.at("parent_id");
  hop.deadline_left_us = json.at("deadline_left_us");
  for (const auto& [k, v] : json.at("contexts").items())
    hop.contexts[k] = fromHex(v.get<std::string>());
  hop.retries = json.at("retries");
  hop.sampled = json.at("sampled");
  return hop;
}

}  // namespace scales::testing

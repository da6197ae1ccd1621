// SPDX-License-Identifier: Apache-2.0
#include "discovery/consul_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "scales/core/errors.h"

namespace scales::discovery::consul {
namespace {
using nlohmann::json;

// Deeper JSON than this is no health answer; refused before parsing, so that no parser or
// destructor recursion depends on what the agent sent.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxProblems = 512;  // characters of `problems`
constexpr size_t kMaxName = 256;      // service, dc and tag lengths

[[noreturn]] void fail(const Uri& uri, const std::string& why) {
  throw ConfigError("bad URI '" + uri.text + "': " + why);
}

bool nameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

// What an agent sent, fit for an error message: printable and short.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += printable(std::string_view(&c, 1)) ? c : '?';
  return text.size() > 64 ? out + "..." : out;
}

int maxDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxDepth) break;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

void addProblem(std::string& problems, const std::string& problem) {
  if (problems.size() >= kMaxProblems) return;
  problems += (problems.empty() ? "" : "; ") + problem;
  if (problems.size() >= kMaxProblems) problems += "; ...";
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// One entry of the answer; nullopt (and `problem`) when it cannot be called.
std::optional<Endpoint> endpointOf(const json& entry, size_t position, bool passing_only,
                                   std::string& problem) {
  const json* service = member(entry, "Service");
  if (!service || !service->is_object()) {
    problem = "entry " + std::to_string(position) + " has no Service object";
    return std::nullopt;
  }
  const json* id = member(*service, "ID");
  std::string name =
      "instance " + (id && id->is_string() ? "'" + shown(id->get<std::string>()) + "'"
                                           : "#" + std::to_string(position));
  const json* port = member(*service, "Port");
  if (!port || !port->is_number_integer()) {
    problem = name + " has no integer Service.Port";
    return std::nullopt;
  }
  auto port_value = port->get<int64_t>();
  if (port_value < 1 || port_value > 65535) {
    problem = name + ": port " + std::to_string(port_value) + " is not from 1 to 65535";
    return std::nullopt;
  }
  std::string address;
  if (const json* a = member(*service, "Address"); a && a->is_string())
    address = a->get<std::string>();
  if (address.empty()) {  // Consul's rule: the node's address serves instances without their own
    if (const json* node = member(entry, "Node")) {
      if (const json* a = member(*node, "Address"); a && a->is_string()) {
        address = a->get<std::string>();
      }
    }
  }
  if (address.empty() || address.size() > 255 || !printable(address)) {
    problem = name + " has no usable address ('" + shown(address) + "')";
    return std::nullopt;
  }
  double weight = 1.0;
  if (const json* weights = member(*service, "Weights")) {
    const json* passing = member(*weights, "Passing");
    if (passing) {
      if (!passing->is_number_integer() || passing->get<int64_t>() < 1 ||
          passing->get<int64_t>() > 1000000) {
        problem = name + ": Weights.Passing is not an integer from 1 to 1000000";
        return std::nullopt;
      }
      weight = static_cast<double>(passing->get<int64_t>());
    }
  }
  if (passing_only) {
    if (const json* checks = member(entry, "Checks"); checks && checks->is_array()) {
      for (const auto& check : *checks) {
        const json* status = member(check, "Status");
        if (!status || !status->is_string() || status->get<std::string>() != "passing") {
          problem = name + " has a check that is not passing";
          return std::nullopt;
        }
      }
    }
  }
  return Endpoint{std::move(address), static_cast<uint16_t>(port_value), weight};
}

}  // namespace

Target parseTarget(const Uri& uri) {
  Target target;
  target.agents = parseHostList(uri.authority, uri.text);
  if (!uri.fragment.empty()) {
    fail(uri, "consul:// has no named endpoints ('#" + uri.fragment +
                  "'): a Consul instance has one address and port");
  }
  if (uri.path.empty() || uri.path == "/") {
    fail(uri, "missing the service name: consul://host:port/service");
  }
  target.service = uri.path.substr(1);
  if (target.service.find('/') != std::string::npos) {
    fail(uri, "the path must be one service name, not '" + uri.path + "'");
  }
  if (target.service.size() > kMaxName ||
      !std::all_of(target.service.begin(), target.service.end(), nameChar)) {
    fail(uri, "service name '" + target.service +
                  "' must be letters, digits, '-', '_' and '.' (at most 256)");
  }
  if (auto dc = uri.query.find("dc"); dc != uri.query.end()) {
    if (dc->second.empty() || dc->second.size() > kMaxName ||
        !std::all_of(dc->second.begin(), dc->second.end(), nameChar)) {
      fail(uri, "dc '" + dc->second + "' must be letters, digits, '-', '_' and '.'");
    }
    target.dc = dc->second;
  }
  if (auto tag = uri.query.find("tag"); tag != uri.query.end()) {
    if (tag->second.empty() || tag->second.size() > kMaxName || !printable(tag->second)) {
      fail(uri, "tag '" + tag->second + "' must be 1 to 256 printable characters");
    }
    target.tag = tag->second;
  }
  if (auto passing = uri.query.find("passing"); passing != uri.query.end()) {
    if (passing->second == "true" || passing->second == "1") {
      target.passing = true;
    } else if (passing->second == "false" || passing->second == "0") {
      target.passing = false;
    } else {
      fail(uri, "passing '" + passing->second + "' must be true or false");
    }
  }
  return target;
}

std::string escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string healthQuery(const Target& target, uint64_t index, Duration wait) {
  std::vector<std::string> params;
  if (index > 0) {
    params.push_back("index=" + std::to_string(index));
    params.push_back("wait=" + goDuration(wait));
  }
  if (!target.dc.empty()) params.push_back("dc=" + escape(target.dc));
  if (!target.tag.empty()) params.push_back("tag=" + escape(target.tag));
  if (target.passing) params.push_back("passing=1");
  std::string query = "/v1/health/service/" + escape(target.service);
  for (size_t i = 0; i < params.size(); ++i) query += (i == 0 ? "?" : "&") + params[i];
  return query;
}

Health parseHealth(std::string_view text, bool passing_only) {
  if (maxDepth(text) > kMaxDepth) {
    throw ConfigError("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  json answer;
  try {
    answer = json::parse(text);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("malformed JSON: ") + e.what());
  }
  if (!answer.is_array()) throw ConfigError("the answer is not a JSON array of instances");
  Health health;
  health.instances = answer.size();
  for (size_t i = 0; i < answer.size(); ++i) {
    std::string problem;
    if (auto endpoint = endpointOf(answer[i], i, passing_only, problem)) {
      health.endpoints.push_back(std::move(*endpoint));
    } else {
      addProblem(health.problems, problem);
    }
  }
  // One endpoint per address (two instances on one address would double its share).
  std::sort(health.endpoints.begin(), health.endpoints.end());
  auto same = [](const Endpoint& a, const Endpoint& b) {
    return a.host == b.host && a.port == b.port;
  };
  health.endpoints.erase(std::unique(health.endpoints.begin(), health.endpoints.end(), same),
                         health.endpoints.end());
  return health;
}

std::optional<uint64_t> parseIndex(std::string_view header) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), value);
  if (header.empty() || ec != std::errc() || end != header.data() + header.size()) {
    return std::nullopt;
  }
  return value;
}

uint64_t nextIndex(uint64_t previous, uint64_t returned) {
  if (returned == 0) return 1;  // clamped first: a zero is Consul's bug, not the index going back
  if (returned < previous) return 0;
  return returned;
}

std::string goDuration(Duration duration) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  return std::to_string(std::max<int64_t>(ms, 1)) + "ms";
}

}  // namespace scales::discovery::consul

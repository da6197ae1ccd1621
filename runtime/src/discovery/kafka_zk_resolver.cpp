// SPDX-License-Identifier: Apache-2.0
// kafka+zk://zk1:2181,zk2:2181[/chroot][!LISTENER]: the brokers Kafka registers in ZooKeeper, one
// ephemeral znode per broker at <chroot>/brokers/ids/<id> holding JSON that lists its listeners.
// Watching and delivery are zk_children_resolver.h's (as for zk://); this file holds the URI,
// the broker JSON and the factory.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "kafka_zk.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "zk_children_resolver.h"

namespace scales::discovery {
namespace {
using nlohmann::json;

constexpr std::string_view kDefaultListener = "PLAINTEXT";
// Kafka's registration JSON nests two levels; anything far deeper is not a broker (and a
// znode holds up to 1 MB: no recursion that deep anywhere).
constexpr int kMaxDepth = 16;

bool validListenerName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A port as Kafka writes it: decimal, 1..65535; nullopt otherwise.
std::optional<uint16_t> portOf(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

// An endpoint string as messages show it: a hostile one can be a megabyte long.
std::string shown(std::string_view endpoint) {
  return endpoint.size() <= 128 ? std::string(endpoint)
                                : std::string(endpoint.substr(0, 128)) + "...";
}

// "host:port" or "[v6]:port", as Kafka formats an endpoint after "NAME://".
Endpoint hostPortOf(std::string_view address, const std::string& full) {
  std::string endpoint = shown(full);
  std::string_view host, port;
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      throw ConfigError("endpoint '" + endpoint + "' is not LISTENER://[v6]:port");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      throw ConfigError("endpoint '" + endpoint + "' has no ':port'");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty()) throw ConfigError("endpoint '" + endpoint + "' has no host");
  auto number = portOf(port);
  if (!number) {
    throw ConfigError("endpoint '" + endpoint + "' has port '" + shown(port) +
                      "', not a number from 1 to 65535");
  }
  return Endpoint{std::string(host), *number};
}

json parseDocument(std::string_view text) {
  json::parser_callback_t bounded = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) {
      throw ConfigError("broker JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    return true;
  };
  try {
    return json::parse(text, bounded);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("broker JSON does not parse: ") + e.what());
  }
}

// A JSON port: an integer 1..65535 (unsigned and signed alike; no wrap-around of huge ones).
std::optional<uint16_t> jsonPort(const json& port) {
  if (port.is_number_unsigned()) {
    auto value = port.get<uint64_t>();
    if (value >= 1 && value <= 65535) return static_cast<uint16_t>(value);
  } else if (port.is_number_integer()) {
    auto value = port.get<int64_t>();
    if (value >= 1 && value <= 65535) return static_cast<uint16_t>(value);
  }
  return std::nullopt;
}

// The pre-0.10 fields (still written): the PLAINTEXT endpoint, or null host and port -1.
Endpoint legacyOf(const json& broker, const std::string& listed) {
  auto host = broker.find("host");
  auto port = broker.find("port");
  bool absent =
      host == broker.end() || host->is_null() || port == broker.end() ||
      (port->is_number_integer() && !port->is_number_unsigned() && port->get<int64_t>() == -1);
  if (absent) {
    throw ConfigError("no PLAINTEXT listener and no host/port" +
                      (listed.empty() ? std::string() : " (endpoints: " + listed + ")"));
  }
  if (!host->is_string() || host->get_ref<const std::string&>().empty()) {
    throw ConfigError("\"host\" is not a non-empty string");
  }
  auto number = jsonPort(*port);
  if (!number) {
    throw ConfigError("\"port\" " + port->dump().substr(0, 64) +
                      " is not a number from 1 to 65535");
  }
  return Endpoint{host->get<std::string>(), *number};
}

}  // namespace

KafkaZkTarget parseKafkaZkTarget(const Uri& uri) {
  auto bad = [&uri](const std::string& why) {
    return ConfigError("bad URI '" + uri.text + "': " + why);
  };
  // The listener may follow the hosts directly (no chroot): it is then in the authority.
  std::string rest = uri.authority + uri.path;
  KafkaZkTarget target;
  target.listener = uri.fragment;
  if (auto bang = rest.find('!'); bang != std::string::npos) {
    if (!target.listener.empty()) throw bad("listener named twice (both '!' and '#')");
    target.listener = rest.substr(bang + 1);
    rest.resize(bang);
    if (target.listener.empty()) throw bad("empty listener name after '!'");
  }
  if (!target.listener.empty() && !validListenerName(target.listener)) {
    throw bad("listener name '" + target.listener + "' is not letters, digits, '_', '-', '.'");
  }
  target.listener = upper(target.listener);  // as Kafka normalises listener names
  auto slash = rest.find('/');
  target.hosts = rest.substr(0, slash);
  std::string chroot = slash == std::string::npos ? "" : rest.substr(slash);
  if (target.hosts.empty()) {
    throw bad("kafka+zk:// needs ZooKeeper hosts, e.g. kafka+zk://zk1:2181/kafka");
  }
  parseHostList(target.hosts, uri.text);
  if (chroot == "/") chroot.clear();
  if (!chroot.empty() && (chroot.back() == '/' || chroot.find("//") != std::string::npos)) {
    throw bad("kafka+zk:// takes a ZooKeeper chroot like /kafka (got '" + chroot + "')");
  }
  target.path = chroot + "/brokers/ids";
  return target;
}

Endpoint parseKafkaBroker(std::string_view text, std::string_view listener) {
  json broker = parseDocument(text);
  if (!broker.is_object()) throw ConfigError("broker JSON is not an object");
  std::string wanted = listener.empty() ? std::string(kDefaultListener) : upper(listener);
  std::string listed;  // for messages: what the broker does offer
  auto endpoints = broker.find("endpoints");
  if (endpoints != broker.end() && !endpoints->is_null()) {
    if (!endpoints->is_array()) throw ConfigError("\"endpoints\" is not an array");
    for (const auto& entry : *endpoints) {
      if (!entry.is_string())
        throw ConfigError("\"endpoints\" holds " + entry.dump(-1).substr(0, 64));
      const auto& endpoint = entry.get_ref<const std::string&>();
      auto scheme = endpoint.find("://");
      if (scheme == std::string::npos || scheme == 0) {
        throw ConfigError("endpoint '" + shown(endpoint) + "' is not LISTENER://host:port");
      }
      if (upper(std::string_view(endpoint).substr(0, scheme)) == wanted) {
        return hostPortOf(std::string_view(endpoint).substr(scheme + 3), endpoint);
      }
      if (listed.size() < 256) listed += (listed.empty() ? "" : ", ") + shown(endpoint);
    }
  }
  if (wanted == kDefaultListener) return legacyOf(broker, listed);
  throw ConfigError(
      "no listener '" + wanted + "'" +
      (listed.empty() ? std::string(" (no endpoints)") : " (endpoints: " + listed + ")"));
}

std::unique_ptr<Resolver> resolvers::kafkaZk(const Uri& uri, Executor executor,
                                             const ResolverOptions& options) {
  KafkaZkTarget target = parseKafkaZkTarget(uri);
  ZkChildrenSpec spec;
  spec.hosts = target.hosts;
  spec.path = target.path;
  // Kafka names each broker's znode by its numeric id; anything else there is not a broker.
  spec.is_member = [](const std::string& child) {
    int32_t id = 0;
    auto [end, ec] = std::from_chars(child.data(), child.data() + child.size(), id);
    return !child.empty() && ec == std::errc() && end == child.data() + child.size() && id >= 0;
  };
  spec.parse = [listener = target.listener](const std::string&, const std::string& json) {
    return std::optional<Endpoint>(parseKafkaBroker(json, listener));
  };
  spec.naming.set = "Kafka broker list";
  spec.naming.member = "broker";
  spec.naming.label = [](const std::string& child) { return "broker " + child; };
  // (parse never gives nullopt: every unusable broker is a ConfigError saying why)
  spec.naming.unusable = [](const std::string& child) { return "broker " + child + " unusable"; };
  return makeZkChildrenResolver(std::move(spec), std::move(executor), options);
}

}  // namespace scales::discovery

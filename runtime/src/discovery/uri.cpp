// SPDX-License-Identifier: Apache-2.0
#include "scales/discovery/uri.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace {

[[noreturn]] void fail(std::string_view uri, const std::string& why) {
  throw ConfigError("bad URI '" + std::string(uri) + "': " + why);
}

bool validSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

}  // namespace

Uri parseUri(std::string_view text) {
  Uri uri;
  uri.text = std::string(text);
  auto sep = text.find("://");
  if (sep == std::string_view::npos) fail(text, "expected scheme://..., e.g. tcp://host:port");
  if (sep == 0) fail(text, "missing scheme before '://'");
  for (char c : text.substr(0, sep)) {
    if (!validSchemeChar(c)) fail(text, "invalid character in scheme");
    uri.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string_view rest = text.substr(sep + 3);

  auto hash = rest.find('#');
  if (hash != std::string_view::npos) {
    uri.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  auto qmark = rest.find('?');
  std::string_view query;
  if (qmark != std::string_view::npos) {
    query = rest.substr(qmark + 1);
    rest = rest.substr(0, qmark);
  }
  auto slash = rest.find('/');
  uri.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) uri.path = std::string(rest.substr(slash));

  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      fail(text, "query parameter '" + std::string(pair) + "' is not key=value");
    }
    auto [it, fresh] =
        uri.query.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    if (!fresh) fail(text, "query parameter '" + it->first + "' given twice");
  }
  return uri;
}

HostPort parseHostPort(std::string_view text, std::string_view uri_text) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      fail(uri_text, "unclosed '[' in '" + std::string(text) + "'");
    hp.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      fail(uri_text, "missing ':port' after '" + std::string(text) + "'");
    }
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      fail(uri_text, "missing ':port' in '" + std::string(text) + "'");
    }
    hp.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (hp.host.empty()) fail(uri_text, "empty host in '" + std::string(text) + "'");
  if (std::any_of(hp.host.begin(), hp.host.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    fail(uri_text, "whitespace in host '" + hp.host + "'");
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      value == 0 || value > 65535) {
    fail(uri_text, "port '" + std::string(port_text) + "' in '" + std::string(text) +
                       "' is not a number from 1 to 65535");
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

std::vector<HostPort> parseHostList(std::string_view list, std::string_view uri_text) {
  if (list.empty()) fail(uri_text, "needs at least one host:port");
  std::vector<HostPort> hosts;
  while (true) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    if (item.empty()) fail(uri_text, "empty host:port in list");
    hosts.push_back(parseHostPort(item, uri_text));
    if (comma == std::string_view::npos) return hosts;
    list = list.substr(comma + 1);
  }
}

}  // namespace scales::discovery

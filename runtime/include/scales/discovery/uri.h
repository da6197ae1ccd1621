// SPDX-License-Identifier: Apache-2.0
// The client URI grammar shared by every protocol: scheme://authority/path?key=value&key=value.
// Parsing only splits and validates the shape; each resolver scheme validates its own parts.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scales::discovery {

struct Uri {
  std::string text;                          // as given, for error messages
  std::string scheme;                        // lower case, e.g. "tcp", "zk"
  std::string authority;                     // between "//" and the next '/', '?' or '#'
  std::string path;                          // from the first '/' after the authority, may be empty
  std::string fragment;                      // after '#', may be empty
  std::map<std::string, std::string> query;  // client options, e.g. balancer=round_robin
};

// Throws ConfigError naming the bad part.
Uri parseUri(std::string_view text);

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "host:port" or "[v6]:port"; `what` names the element in errors.
HostPort parseHostPort(std::string_view text, std::string_view uri_text);

// "host:port,host:port" (at least one); errors name the URI and the bad element.
std::vector<HostPort> parseHostList(std::string_view list, std::string_view uri_text);

}  // namespace scales::discovery

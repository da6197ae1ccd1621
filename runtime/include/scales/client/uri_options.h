// SPDX-License-Identifier: Apache-2.0
// parseClientUri: the one way every client turns its URI into the stack's settings and its
// protocol's options. Each key of the query belongs to exactly one table: the stack's (every
// client) or the protocol's own (Options::uriKeys()); a key neither knows is a ConfigError that
// lists the keys valid for that protocol.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scales/client/config.h"
#include "scales/core/option_keys.h"
#include "scales/discovery/resolver.h"
#include "scales/discovery/uri.h"

namespace scales::client {

// The stack's keys: timeout_ms, balancer, max_retries, ... (docs/configuration.md).
const OptionKeys<ClientConfig>& stackKeys();

// A URI taken apart for one protocol's client.
template <class Options>
struct ClientSetup {
  discovery::Uri uri;
  ClientConfig config;
  Options options;
};

namespace detail {
[[noreturn]] void badValue(const discovery::Uri& uri, const std::string& key,
                           const std::string& value, const ConfigError& why);
[[noreturn]] void unknownKey(const discovery::Uri& uri, const std::string& key,
                             std::string_view protocol, const std::vector<std::string>& keys);

template <class Target>
void set(const typename OptionKeys<Target>::Setter& setter, Target& target,
         const discovery::Uri& uri, const std::string& key, const std::string& value) {
  try {
    setter(target, value);
  } catch (const ConfigError& e) {
    badValue(uri, key, value, e);
  }
}
}  // namespace detail

// Parses `uri`, applies its query over `config` and `options` (URI values win) and validates the
// protocol's options. Keys the URI's scheme reads itself (discovery::resolverUriKeys, e.g.
// consul://...?dc=) are left to its resolver. `Options` names its protocol (Options::kProtocol),
// owns its keys (Options::uriKeys()) and checks itself (validate()); the stack's settings are
// validated with the protocol's defaults filled in (client::Channel). Throws ConfigError naming the
// bad part.
template <class Options>
ClientSetup<Options> parseClientUri(std::string_view uri, ClientConfig config, Options options) {
  ClientSetup<Options> setup{discovery::parseUri(uri), std::move(config), std::move(options)};
  const auto scheme_keys = discovery::resolverUriKeys(setup.uri.scheme);
  for (const auto& [key, value] : setup.uri.query) {
    if (std::find(scheme_keys.begin(), scheme_keys.end(), key) != scheme_keys.end()) {
      continue;  // the resolver's own (it validates them)
    } else if (const auto* setter = stackKeys().find(key)) {
      detail::set(*setter, setup.config, setup.uri, key, value);
    } else if (const auto* own = Options::uriKeys().find(key)) {
      detail::set(*own, setup.options, setup.uri, key, value);
    } else {
      detail::unknownKey(setup.uri, key, Options::kProtocol, Options::uriKeys().list());
    }
  }
  setup.options.validate();
  return setup;
}

}  // namespace scales::client

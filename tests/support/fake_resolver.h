// SPDX-License-Identifier: Apache-2.0
// fake://name: a resolver scheme for tests, fed by the test itself. Tests publish endpoint sets
// (or failures) under a name in the process-wide FakeDiscovery table; every live fake:// resolver
// of that name gets each of them, in order, on its own executor. A resolver started after a
// publish gets the latest one first; before any publish it delivers nothing (a resolution that
// has not finished). It keeps the Resolver contract (resolver.h): the URI is validated at
// construction (`fake://` without a name is a ConfigError), the listener never runs inside
// start(), and no listener call starts after stop() returns.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "scales/discovery/endpoint.h"

namespace scales::testing {

class FakeDiscovery {
 public:
  // The whole set for `name`, delivered to its live resolvers and to those started later.
  // Thread-safe.
  static void publish(const std::string& name, std::vector<discovery::Endpoint> endpoints);
  // A failed resolution for `name`: an update with `error` set (the client keeps its last good
  // set). A resolver started later gets this error first. Thread-safe.
  static void fail(const std::string& name, std::string error);
  // Forgets what was published for `name` (live resolvers keep what they had and stay
  // subscribed). Thread-safe.
  static void clear(const std::string& name);
  // How many fake://name resolvers are started and not stopped.
  static size_t liveResolvers(const std::string& name);
};

// Registers the "fake" scheme. Idempotent: any number of tests may call it.
void registerFakeResolver();

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Resolver: turns a URI into a stream of endpoint-set snapshots pushed to the client. Resolvers
// deliver whole sets (never deltas) or an error that keeps the last good set.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/registry.h"
#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {

struct ResolverUpdate {
  std::vector<Endpoint> endpoints;  // the full set; meaningful when error is empty
  std::string error;                // non-empty: resolution failed, keep the last good set
};

// Contract:
// - Construction validates the URI and throws ConfigError naming the bad part.
// - start() begins delivery; the listener is invoked on the executor given at construction, never
//   inline inside start(). The first update arrives as soon as the first resolution finishes.
// - stop() ends delivery: no listener call starts after it returns (call on the executor).
class Resolver {
 public:
  using Listener = std::function<void(const ResolverUpdate&)>;
  virtual ~Resolver() = default;
  virtual void start(Listener listener) = 0;
  virtual void stop() = 0;
};

using ResolverFactory =
    std::function<std::unique_ptr<Resolver>(const Uri&, boost::asio::any_io_executor)>;

// The scheme table (src/discovery/registry.cpp).
const Registry<ResolverFactory>& resolverRegistry();

// Looks the scheme up and builds its resolver; throws ConfigError for unknown schemes.
std::unique_ptr<Resolver> makeResolver(const Uri& uri, boost::asio::any_io_executor executor);

namespace resolvers {
// tcp://host:port,host:port — a fixed list, delivered once.
std::unique_ptr<Resolver> staticList(const Uri& uri, boost::asio::any_io_executor executor);
}  // namespace resolvers

}  // namespace scales::discovery

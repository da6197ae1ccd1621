// SPDX-License-Identifier: Apache-2.0
// Resolver: turns a URI into a stream of endpoint-set snapshots pushed to the client. Resolvers
// deliver whole sets (never deltas) or an error that keeps the last good set.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/core/registry.h"
#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {

struct ResolverUpdate {
  std::vector<Endpoint> endpoints;  // the full set; meaningful when error is empty
  std::string error;                // non-empty: resolution failed, keep the last good set
  std::string detail;  // with an empty set: why it is empty (named in "no endpoints" errors)
};

// Knobs of the resolvers that talk to a server (docs/discovery.md).
struct ResolverOptions {
  // zk://: the ZooKeeper session timeout (Finagle's serverset default: 10 s).
  Duration zk_session_timeout = std::chrono::seconds(10);
  // How long the first resolution may take before the resolver reports an error (calls then
  // fail fast, naming it, instead of waiting out their deadlines) while it keeps trying.
  Duration resolve_timeout = std::chrono::seconds(5);
  // dns:// and dns+srv://: records are re-resolved when their TTL runs out, but no more often
  // than the minimum and at least every maximum; failed lookups are retried after the minimum.
  Duration dns_min_refresh = std::chrono::seconds(1);
  Duration dns_max_refresh = std::chrono::minutes(5);
  // dns:// and dns+srv://: "host:port,host:port" servers to ask instead of /etc/resolv.conf's.
  std::string dns_servers;
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

using ResolverFactory = std::function<std::unique_ptr<Resolver>(
    const Uri&, boost::asio::any_io_executor, const ResolverOptions&)>;

// A scheme: its factory, and the URI query keys it reads itself (consul://...?dc=&tag=), which
// the clients' option parsing leaves to it instead of refusing them as unknown.
struct ResolverScheme {
  ResolverFactory factory;
  std::vector<std::string> uri_keys;
};

// The scheme table: the built-ins (src/discovery/registry.cpp) and those users registered.
const Registry<ResolverScheme>& resolverRegistry();
// Adds a scheme (before creating the clients whose URIs use it). Thread-safe; throws ConfigError
// when the scheme is taken. The factory validates the URI and throws ConfigError naming the bad
// part; the resolver keeps the contract above. `uri_keys` are the query keys the scheme reads
// from Uri::query itself.
void registerResolver(std::string scheme, ResolverFactory factory,
                      std::vector<std::string> uri_keys = {});

// The query keys `scheme` reads itself; empty for unknown schemes.
std::vector<std::string> resolverUriKeys(std::string_view scheme);

// Looks the scheme up and builds its resolver; throws ConfigError for unknown schemes.
std::unique_ptr<Resolver> makeResolver(const Uri& uri, boost::asio::any_io_executor executor,
                                       const ResolverOptions& options = {});

namespace resolvers {
using Executor = boost::asio::any_io_executor;
// tcp://host:port,host:port — a fixed list, delivered once.
std::unique_ptr<Resolver> staticList(const Uri&, Executor, const ResolverOptions&);
// inet://host:port — every address the system resolver gives for host, resolved once.
std::unique_ptr<Resolver> inet(const Uri&, Executor, const ResolverOptions&);
// file:///path[!endpoint] — host:port [weight] lines or serverset JSON, re-read on change.
std::unique_ptr<Resolver> file(const Uri&, Executor, const ResolverOptions&);
// zk://h:p,h:p/path[!endpoint] — a ZooKeeper serverset, watched.
std::unique_ptr<Resolver> zookeeper(const Uri&, Executor, const ResolverOptions&);
// dns://name:port — A and AAAA records, re-resolved as their TTL runs out.
std::unique_ptr<Resolver> dns(const Uri&, Executor, const ResolverOptions&);
// dns+srv://_service._proto.name — SRV records with their priority and weight.
std::unique_ptr<Resolver> dnsSrv(const Uri&, Executor, const ResolverOptions&);
// etcd://h:p,h:p/prefix[!endpoint] — the keys under a prefix in etcd v3, read then watched.
std::unique_ptr<Resolver> etcd(const Uri&, Executor, const ResolverOptions&);
// consul://h:p/service[?dc=&tag=&passing=] — Consul's health API, by blocking queries.
std::unique_ptr<Resolver> consul(const Uri&, Executor, const ResolverOptions&);
// kafka+zk://h:p,h:p[/chroot][!listener] — the brokers Kafka registers in ZooKeeper.
std::unique_ptr<Resolver> kafkaZk(const Uri&, Executor, const ResolverOptions&);
}  // namespace resolvers

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
// Every built-in resolver scheme, one line each. Add a scheme here and in resolver.h.
#include "scales/discovery/resolver.h"

namespace scales::discovery {

const Registry<ResolverFactory>& resolverRegistry() {
  static const Registry<ResolverFactory> registry = [] {
    Registry<ResolverFactory> r("resolver scheme");
    r.add("dns", resolvers::dns);
    r.add("dns+srv", resolvers::dnsSrv);
    r.add("file", resolvers::file);
    r.add("inet", resolvers::inet);
    r.add("tcp", resolvers::staticList);
    r.add("zk", resolvers::zookeeper);
    return r;
  }();
  return registry;
}

std::unique_ptr<Resolver> makeResolver(const Uri& uri, boost::asio::any_io_executor executor,
                                       const ResolverOptions& options) {
  return resolverRegistry().get(uri.scheme)(uri, std::move(executor), options);
}

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
// Every built-in resolver scheme, one line each; users add theirs with registerResolver().
#include "scales/discovery/resolver.h"

namespace scales::discovery {

namespace {
// Never destroyed: clients may still look schemes up while statics are torn down.
Registry<ResolverFactory>& registry() {
  static auto* r = [] {
    auto* table = new Registry<ResolverFactory>("resolver scheme");
    table->add("dns", resolvers::dns);
    table->add("dns+srv", resolvers::dnsSrv);
    table->add("file", resolvers::file);
    table->add("inet", resolvers::inet);
    table->add("tcp", resolvers::staticList);
    table->add("zk", resolvers::zookeeper);
    return table;
  }();
  return *r;
}
}  // namespace

const Registry<ResolverFactory>& resolverRegistry() { return registry(); }

void registerResolver(std::string scheme, ResolverFactory factory) {
  registry().add(std::move(scheme), std::move(factory));
}

std::unique_ptr<Resolver> makeResolver(const Uri& uri, boost::asio::any_io_executor executor,
                                       const ResolverOptions& options) {
  return resolverRegistry().get(uri.scheme)(uri, std::move(executor), options);
}

}  // namespace scales::discovery

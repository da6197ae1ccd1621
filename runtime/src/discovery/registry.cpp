// SPDX-License-Identifier: Apache-2.0
// Every built-in resolver scheme, one line each; users add theirs with registerResolver().
#include "scales/discovery/resolver.h"

namespace scales::discovery {

namespace {
// Never destroyed: clients may still look schemes up while statics are torn down.
Registry<ResolverScheme>& registry() {
  static auto* r = [] {
    auto* table = new Registry<ResolverScheme>("resolver scheme");
    table->add("consul", {resolvers::consul, {"dc", "tag", "passing"}});
    table->add("dns", {resolvers::dns, {}});
    table->add("dns+srv", {resolvers::dnsSrv, {}});
    table->add("etcd", {resolvers::etcd, {}});
    table->add("file", {resolvers::file, {}});
    table->add("inet", {resolvers::inet, {}});
    table->add("kafka+zk", {resolvers::kafkaZk, {}});
    table->add("tcp", {resolvers::staticList, {}});
    table->add("zk", {resolvers::zookeeper, {}});
    return table;
  }();
  return *r;
}
}  // namespace

const Registry<ResolverScheme>& resolverRegistry() { return registry(); }

void registerResolver(std::string scheme, ResolverFactory factory,
                      std::vector<std::string> uri_keys) {
  if (!factory) throw ConfigError("resolver scheme '" + scheme + "' needs a factory");
  registry().add(std::move(scheme), {std::move(factory), std::move(uri_keys)});
}

std::vector<std::string> resolverUriKeys(std::string_view scheme) {
  if (!registry().contains(scheme)) return {};
  return registry().get(scheme).uri_keys;
}

std::unique_ptr<Resolver> makeResolver(const Uri& uri, boost::asio::any_io_executor executor,
                                       const ResolverOptions& options) {
  return resolverRegistry().get(uri.scheme).factory(uri, std::move(executor), options);
}

}  // namespace scales::discovery

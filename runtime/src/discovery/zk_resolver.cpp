// SPDX-License-Identifier: Apache-2.0
// zk://zk1:2181,zk2:2181/path/to/serverset[!endpoint]: a Finagle serverset in ZooKeeper. Members
// are the path's `member_*` children, each holding serverset JSON (serverset.h); `!name` (or
// scales' `#name`) picks an additional endpoint. Watching, delivery and what keeps or empties the
// set are zk_children_resolver.h's.
#include "scales/discovery/resolver.h"
#include "scales/discovery/serverset.h"
#include "zk_children_resolver.h"
#include "zk_session.h"

namespace scales::discovery {

std::unique_ptr<Resolver> resolvers::zookeeper(const Uri& uri, Executor executor,
                                               const ResolverOptions& options) {
  ZkTarget target = parseZkTarget(uri);
  ZkChildrenSpec spec;
  spec.hosts = target.hosts;
  spec.path = target.path;
  spec.is_member = [](const std::string& child) { return child.starts_with("member_"); };
  spec.parse = [endpoint = target.endpoint_name](const std::string&, const std::string& json) {
    return parseServersetMember(json, endpoint);
  };
  spec.naming.label = [](const std::string& child) { return child; };
  spec.naming.unusable = [endpoint = target.endpoint_name](const std::string& child) {
    return child + " is not ALIVE" +
           (endpoint.empty() ? std::string() : " or has no endpoint '" + endpoint + "'");
  };
  return makeZkChildrenResolver(std::move(spec), std::move(executor), options);
}

}  // namespace scales::discovery

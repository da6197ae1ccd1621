// SPDX-License-Identifier: Apache-2.0
// The watching machinery of the resolvers whose servers are the children of one znode, each
// child's data naming one endpoint: zk:// (Finagle serversets, member_* children) and kafka+zk://
// (the brokers Kafka registers under /brokers/ids). The schemes differ only in which children
// count, how a child's data becomes an endpoint, and how messages name things; the session,
// the watches, expiry handling and the delivery rules are shared and live here.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "scales/discovery/endpoint.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {

struct ZkChildrenSpec {
  std::string hosts;  // "h:p,h:p" as the C client takes it
  std::string path;   // the znode whose children are the servers
  // Which children are servers; the others are ignored (serversets: member_*).
  std::function<bool(const std::string& child)> is_member;
  // A child's endpoint from its data. nullopt: well formed but not to be called (a serverset
  // member that is not ALIVE); throws ConfigError for data that is malformed.
  std::function<std::optional<Endpoint>(const std::string& child, const std::string& data)> parse;

  // How messages name things, e.g. "serverset /x on ZooKeeper h:p has no members".
  struct Naming {
    std::string set = "serverset";  // what the path holds
    std::string member = "member";  // one server: "has no usable member", "has no members"
    // A child in problem lists ("member_0000000001", "broker 3").
    std::function<std::string(const std::string& child)> label;
    // Why a child whose data parsed to nullopt is left out, as a whole phrase.
    std::function<std::string(const std::string& child)> unusable;
  } naming;
};

// Starts nothing until start(); the contract of scales/discovery/resolver.h.
std::unique_ptr<Resolver> makeZkChildrenResolver(ZkChildrenSpec spec,
                                                 boost::asio::any_io_executor executor,
                                                 const ResolverOptions& options);

}  // namespace scales::discovery

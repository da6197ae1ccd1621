// SPDX-License-Identifier: Apache-2.0
// Announcer: a server's membership in a registry, so that clients of the same URI find it.
// - zk://hosts/path: a Finagle serverset member (zk:// clients, scales or Finagle, find it): an
//   ephemeral sequential `member_` znode under the path (parents are created as needed),
//   re-created when ZooKeeper expires the session.
// - etcd://hosts/prefix: a key under the prefix holding serverset JSON, attached to a lease kept
//   alive in the background; a lost lease is granted again and the key put again.
// - consul://host:port/service: a service instance with a TTL check kept passing; registered
//   again when Consul forgets it.
// unannounce() or the destructor removes the member. A server that dies without either leaves
// the registry to remove it when the session, lease or check times out (`session_timeout`).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"

namespace scales::server {

struct AnnouncerOptions {
  // How long the registry keeps the member after the process stops answering (Finagle: 10 s):
  // ZooKeeper's session timeout, etcd's lease TTL (whole seconds, at least 2), Consul's check TTL.
  Duration session_timeout = std::chrono::seconds(10);
  int shard = 0;
  // Named extra endpoints (e.g. "http", "admin") that clients select with zk://...!name (and
  // etcd://...!name). Consul has one address per instance and refuses them.
  std::map<std::string, discovery::Endpoint> additional_endpoints{};
  // consul:// only: the instance's tags and its weight when passing (Consul's Weights.Passing).
  std::vector<std::string> tags{};
  int weight = 1;
};

class Announcement;  // a backend (src/server/announcement.h)

class Announcer {
 public:
  // `uri` is zk://h:p[,h:p]/path, etcd://h:p[,h:p]/prefix or consul://h:p/service; throws
  // ConfigError for a malformed one. Its query (client options) is ignored, so the clients' URI
  // will do. Starts announcing at once, in the background (the registry
  // being unreachable is not an error: the member appears once it is reachable).
  Announcer(const std::string& uri, discovery::Endpoint endpoint, AnnouncerOptions options = {});
  ~Announcer();  // unannounce()
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Waits until the member exists in the registry; false if `timeout` passes first.
  bool waitAnnounced(Duration timeout);
  // The member's name in the registry: the znode path, the etcd key or the Consul service ID;
  // empty while not announced.
  std::string memberPath() const;
  // Removes the member and ends the session or lease (bounded by the session timeout).
  // Idempotent.
  void unannounce();

 private:
  std::unique_ptr<Announcement> impl_;
};

}  // namespace scales::server

// SPDX-License-Identifier: Apache-2.0
// Announcer: a server's membership in a ZooKeeper serverset, in Finagle's format, so that zk://
// clients (scales or Finagle) find it. The member is an ephemeral sequential `member_` znode under
// the URI's path (parents are created as needed); it is re-created when ZooKeeper expires the
// session, and deleted by unannounce() or the destructor. A server that dies without either
// leaves ZooKeeper to remove the member when the session times out.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"

namespace scales::server {

struct AnnouncerOptions {
  // How long ZooKeeper keeps the member after the process stops answering (Finagle: 10 s).
  Duration session_timeout = std::chrono::seconds(10);
  int shard = 0;
  // Named extra endpoints (e.g. "http", "admin") that clients select with zk://...!name.
  std::map<std::string, discovery::Endpoint> additional_endpoints;
};

class Announcer {
 public:
  // `zk_uri` is zk://host:port[,host:port]/path; throws ConfigError for a malformed one. Starts
  // announcing at once, in the background (ZooKeeper being unreachable is not an error: the
  // member appears once it is reachable).
  Announcer(const std::string& zk_uri, discovery::Endpoint endpoint, AnnouncerOptions options = {});
  ~Announcer();  // unannounce()
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Waits until the member exists in ZooKeeper; false if `timeout` passes first.
  bool waitAnnounced(Duration timeout);
  // The member's full znode path; empty while not announced.
  std::string memberPath() const;
  // Deletes the member and ends the session (bounded by the session timeout). Idempotent.
  void unannounce();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace scales::server

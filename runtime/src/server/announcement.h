// SPDX-License-Identifier: Apache-2.0
// One registry's hold on a server's membership (ZooKeeper, etcd, Consul). scales::server::Announcer
// picks the backend by the URI's scheme (announcer.cpp, one line each) and forwards to it.
//
// Every backend keeps the same promises: it announces in the background from construction (the
// registry being unreachable is not an error), announces again whatever the registry loses
// (an expired session or lease, a deregistered service), and unannounce() removes the member at
// once when the registry answers and returns within the backend's timeout when it does not.
#pragma once

#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"
#include "scales/server/announcer.h"

namespace scales::server {

class Announcement {
 public:
  virtual ~Announcement() = default;
  virtual bool waitAnnounced(Duration timeout) = 0;
  // The member's name in the registry (znode path, etcd key, Consul service ID); empty while not
  // announced.
  virtual std::string memberPath() const = 0;
  virtual void unannounce() = 0;  // idempotent
};

// Each validates the URI and throws ConfigError naming the bad part.
std::unique_ptr<Announcement> announceInZooKeeper(const discovery::Uri& uri,
                                                  const discovery::Endpoint& endpoint,
                                                  const AnnouncerOptions& options);
std::unique_ptr<Announcement> announceInEtcd(const discovery::Uri& uri,
                                             const discovery::Endpoint& endpoint,
                                             const AnnouncerOptions& options);
std::unique_ptr<Announcement> announceInConsul(const discovery::Uri& uri,
                                               const discovery::Endpoint& endpoint,
                                               const AnnouncerOptions& options);

}  // namespace scales::server

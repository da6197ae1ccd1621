// SPDX-License-Identifier: Apache-2.0
// The announcer's schemes, one line each; the backends live in <scheme>_announcement.cpp.
#include "scales/server/announcer.h"

#include <functional>
#include <map>

#include "scales/core/errors.h"
#include "server/announcement.h"

namespace scales::server {
namespace {

using Backend = std::function<std::unique_ptr<Announcement>(
    const discovery::Uri&, const discovery::Endpoint&, const AnnouncerOptions&)>;

const std::map<std::string, Backend>& backends() {
  static const std::map<std::string, Backend> table{
      {"consul", announceInConsul},
      {"etcd", announceInEtcd},
      {"zk", announceInZooKeeper},
  };
  return table;
}

}  // namespace

Announcer::Announcer(const std::string& uri_text, discovery::Endpoint endpoint,
                     AnnouncerOptions options) {
  auto uri = discovery::parseUri(uri_text);
  auto backend = backends().find(uri.scheme);
  if (backend == backends().end()) {
    std::string valid;
    for (const auto& [scheme, make] : backends()) valid += (valid.empty() ? "" : ", ") + scheme;
    throw ConfigError("bad URI '" + uri_text + "': the announcer has no scheme '" + uri.scheme +
                      "'; valid: " + valid);
  }
  // The query is left alone: it holds client options (and a resolver's filters), so that one URI
  // serves the servers that announce and the clients that find them.
  impl_ = backend->second(uri, endpoint, options);
}

Announcer::~Announcer() = default;  // the backend unannounces

bool Announcer::waitAnnounced(Duration timeout) { return impl_->waitAnnounced(timeout); }
std::string Announcer::memberPath() const { return impl_->memberPath(); }
void Announcer::unannounce() { impl_->unannounce(); }

}  // namespace scales::server

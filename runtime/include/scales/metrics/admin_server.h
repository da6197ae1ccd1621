// SPDX-License-Identifier: Apache-2.0
// A tiny admin HTTP endpoint on loopback: GET /metrics (Prometheus text) and /metrics.json, of
// the registry's snapshot rolled up by the selector (per service by default; null: per
// endpoint); GET /admin, a self-contained page (no file, no network) showing every live client,
// its endpoints and their state, live, from GET /admin.json (docs/server.md#the-admin-page). It
// runs on its own thread: scraping never touches a client's event loop, and /admin.json only
// asks each client's loop for a snapshot, waiting at most a second for a busy one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scales/metrics/export.h"

namespace scales::metrics {

struct AdminOptions {
  std::string host = "127.0.0.1";  // loopback by default: metrics are not for the world
  uint16_t port = 0;               // 0: any free port (read it back with port())
  KeySelector select = byService;  // null: every endpoint's own metrics
  // Requests are answered only when their Host header names this server: localhost, a
  // loopback address or `host`, with this server's port or none; else 421 (a web page whose
  // name was re-pointed at this address, DNS rebinding, must not read it). Names to accept as
  // well, when the server is reached under another (the machine's name, say).
  std::vector<std::string> allowed_hosts = {};
};

class AdminServer {
 public:
  // Listens at once; throws ConfigError when the address cannot be bound.
  explicit AdminServer(Registry& registry, AdminOptions options = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scales::metrics

// SPDX-License-Identifier: Apache-2.0
// A tiny admin HTTP endpoint on loopback: GET /metrics (Prometheus text) and /metrics.json, of
// the registry's snapshot rolled up by the selector (per service by default; null: per
// endpoint). It runs on its own thread, so scraping never touches a client's event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "scales/metrics/export.h"

namespace scales::metrics {

struct AdminOptions {
  std::string host = "127.0.0.1";  // loopback by default: metrics are not for the world
  uint16_t port = 0;               // 0: any free port (read it back with port())
  KeySelector select = byService;  // null: every endpoint's own metrics
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

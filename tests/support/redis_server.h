// SPDX-License-Identifier: Apache-2.0
// A real redis-server (Debian's) on 127.0.0.1 for one test: no persistence, its own port, killed
// (SIGKILL) when the test ends; kill() and start() again on the same port for outage tests.
// With RedisTls, its one port speaks TLS only (--port 0 --tls-port <port>).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {

// TLS only: the server's certificate and key, the CA that signs clients' certificates (redis
// needs one even when it does not ask for them), and whether clients must present one
// (--tls-auth-clients yes|no).
struct RedisTls {
  std::string cert;
  std::string key;
  std::string ca;
  bool auth_clients = true;
};

class RedisServer {
 public:
  // `extra` are more redis-server options, e.g. {"--requirepass", "secret"}.
  explicit RedisServer(std::vector<std::string> extra = {});
  RedisServer(std::vector<std::string> extra, RedisTls tls);
  ~RedisServer();
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void kill();   // SIGKILL: connections drop without a goodbye, data is gone
  void start();  // again, on the same port, empty

 private:
  uint16_t port_;
  std::vector<std::string> extra_;
  std::optional<RedisTls> tls_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace scales::testing

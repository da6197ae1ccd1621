// SPDX-License-Identifier: Apache-2.0
// A real ZooKeeper (Debian's `zookeeper`, run in the foreground) on 127.0.0.1 for one test, with
// its data in a temporary directory, and a small synchronous client to arrange znodes with.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the C client's own spelling

namespace scales::testing {

class ZooKeeperServer {
 public:
  ZooKeeperServer();  // starts it and waits until it serves (throws after 60 s)
  ~ZooKeeperServer();

  std::string hosts() const { return "127.0.0.1:" + std::to_string(port_); }
  // kill -9: clients see the connection drop; sessions and data survive a start().
  void kill();
  // Starts again on the same port; `wipe` first deletes its data, so every session the clients
  // held is unknown to it (they get "session expired") and every znode is gone.
  void start(bool wipe = false);

 private:
  void waitServing();
  uint16_t port_;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

// Synchronous ZooKeeper calls for arranging a test's znodes (the C client's sync API).
class ZkTestClient {
 public:
  explicit ZkTestClient(const std::string& hosts);  // waits for the session (throws after 30 s)
  ~ZkTestClient();
  // Creates the path and its parents; returns the created path (sequential flags add a number).
  std::string create(const std::string& path, const std::string& data, int flags = 0);
  void set(const std::string& path, const std::string& data);
  void remove(const std::string& path);
  std::vector<std::string> children(const std::string& path);

 private:
  struct Connected;
  std::unique_ptr<Connected> connected_;  // the watcher's context: lives as long as the handle
  zhandle_t* handle_ = nullptr;
};

}  // namespace scales::testing

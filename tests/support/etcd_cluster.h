// SPDX-License-Identifier: Apache-2.0
// Real etcd (Debian's `etcd-server`, 3.4) on 127.0.0.1 for one test: one member or a cluster of
// several, with their data in a temporary directory, and etcdctl (Debian's `etcd-client`) to
// arrange keys with, as an operator would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace scales::testing {

class EtcdTestCluster {
 public:
  // Starts `members` members and waits until the cluster serves (throws after 60 s).
  explicit EtcdTestCluster(int members = 1);
  ~EtcdTestCluster();
  EtcdTestCluster(const EtcdTestCluster&) = delete;
  EtcdTestCluster& operator=(const EtcdTestCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  // "127.0.0.1:p0,127.0.0.1:p1,...": what an etcd:// URI names.
  std::string hosts() const;
  std::string member(int i) const;  // one member's "127.0.0.1:port"
  // kill -9 one member; the others keep the cluster (a majority of three survives one).
  void kill(int i);
  // Starts a killed member again with its data: it rejoins and catches up.
  void start(int i);

  // etcdctl against the members that run; each throws with etcdctl's output when it fails.
  void put(const std::string& key, const std::string& value);
  void remove(const std::string& key);
  int64_t revision();  // the store's current revision
  void compact(int64_t revision);
  void revokeLease(const std::string& key);  // the lease the key is attached to
  std::vector<std::string> keys(const std::string& prefix);
  // How many calls of a gRPC method (e.g. "LeaseKeepAlive") the running members have started,
  // from their Prometheus metrics (the JSON gateway's requests are gRPC calls inside etcd).
  int64_t startedCalls(const std::string& method);

 private:
  struct Member {
    uint16_t client_port = 0;
    uint16_t peer_port = 0;
    std::unique_ptr<ChildProcess> process;
  };
  void launch(int i, bool fresh);
  std::string etcdctl(const std::vector<std::string>& args);  // at the members that run
  std::string etcdctlAt(const std::string& endpoints, const std::vector<std::string>& args);
  std::filesystem::path dir_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
#include "support/etcd_cluster.h"

#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/loopback_port.h"

namespace scales::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
std::string loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }
}  // namespace

EtcdTestCluster::EtcdTestCluster(int members)
    : dir_(fs::temp_directory_path() /
           ("scales-etcd-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
  fs::create_directories(dir_);
  members_.resize(members);
  for (int i = 0; i < members; ++i) {
    members_[i].client_port = freeLoopbackPort();
    members_[i].peer_port = freeLoopbackPort();
    while (members_[i].peer_port == members_[i].client_port) {
      members_[i].peer_port = freeLoopbackPort();
    }
    initial_cluster_ += (i ? "," : "") + std::string("m") + std::to_string(i) + "=http://" +
                        loopback(members_[i].peer_port);
  }
  for (int i = 0; i < members; ++i) launch(i, true);
  for (int i = 0; i < members; ++i) {
    waitUntilListening(members_[i].client_port, 60s, "etcd member " + std::to_string(i));
  }
  // Listening is not serving: wait until a write commits (a leader is elected).
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (true) {
    try {
      put("/scales-test-ready", "1");
      // A majority committed it; every member must also serve a linearizable read (it knows
      // the leader), or killing one of the majority could leave no quorum for a while.
      for (int i = 0; i < members; ++i) etcdctlAt(member(i), {"get", "/scales-test-ready"});
      return;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() > give_up) {
        throw std::runtime_error(std::string("etcd did not serve within 60 s: ") + e.what());
      }
    }
    std::this_thread::sleep_for(100ms);  // a bounded poll of another process: no event to await
  }
}

EtcdTestCluster::~EtcdTestCluster() {
  for (auto& m : members_) m.process.reset();  // SIGKILL and reap
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void EtcdTestCluster::launch(int i, bool fresh) {
  auto name = "m" + std::to_string(i);
  auto& m = members_[i];
  m.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/etcd", "--name", name, "--data-dir", (dir_ / name).string(), "--listen-client-urls",
      "http://" + loopback(m.client_port), "--advertise-client-urls",
      "http://" + loopback(m.client_port), "--listen-peer-urls", "http://" + loopback(m.peer_port),
      "--initial-advertise-peer-urls", "http://" + loopback(m.peer_port), "--initial-cluster",
      initial_cluster_, "--initial-cluster-state", fresh ? "new" : "existing",
      "--initial-cluster-token", "scales-test-" + std::to_string(::getpid()),
      // Fast elections: a killed leader is replaced within about a second.
      "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-outputs",
      (dir_ / (name + ".log")).string()});
}

std::string EtcdTestCluster::hosts() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i ? "," : "") + member(i);
  return out;
}

std::string EtcdTestCluster::member(int i) const { return loopback(members_[i].client_port); }

void EtcdTestCluster::kill(int i) {
  members_[i].process->kill();
  members_[i].process->wait(10s);
  members_[i].process.reset();
}

void EtcdTestCluster::start(int i) {
  launch(i, false);
  waitUntilListening(members_[i].client_port, 60s, "etcd member " + std::to_string(i));
}

std::string EtcdTestCluster::etcdctl(const std::vector<std::string>& args) {
  std::string endpoints;
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process) endpoints += (endpoints.empty() ? "" : ",") + member(i);
  }
  return etcdctlAt(endpoints, args);
}

std::string EtcdTestCluster::etcdctlAt(const std::string& endpoints,
                                       const std::vector<std::string>& args) {
  // etcdctl prints errors to stderr: fold them into what we read, and the exit status after.
  std::string command = "ETCDCTL_API=3 exec etcdctl --command-timeout=5s --endpoints=" + endpoints;
  for (const auto& arg : args) {
    command += " '";
    for (char c : arg) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  // Right after a member dies the cluster may be electing a leader: etcdctl then fails with
  // "Unavailable"; try again for a while, as an operator would.
  auto give_up = std::chrono::steady_clock::now() + 20s;
  while (true) {
    ChildProcess process({"/bin/sh", "-c", "(" + command + ") 2>&1; echo \"exit=$?\""});
    auto out = process.readAll(20s);
    auto tail = out.rfind("exit=");
    if (tail != std::string::npos && out.compare(tail, 7, "exit=0\n") == 0) {
      return out.substr(0, tail);
    }
    bool transient = out.find("Unavailable") != std::string::npos ||
                     out.find("timed out") != std::string::npos ||
                     out.find("deadline exceeded") != std::string::npos;
    if (!transient || std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error("etcdctl failed: " + out);
    }
  }
}

void EtcdTestCluster::put(const std::string& key, const std::string& value) {
  etcdctl({"put", key, value});
}

void EtcdTestCluster::remove(const std::string& key) { etcdctl({"del", key}); }

int64_t EtcdTestCluster::revision() {
  auto reply = nlohmann::json::parse(etcdctl({"get", "/scales-test-ready", "-w", "json"}));
  return reply["header"]["revision"].get<int64_t>();
}

void EtcdTestCluster::compact(int64_t revision) { etcdctl({"compact", std::to_string(revision)}); }

void EtcdTestCluster::revokeLease(const std::string& key) {
  auto reply = nlohmann::json::parse(etcdctl({"get", key, "-w", "json"}));
  auto lease = reply.at("kvs").at(0).at("lease").get<int64_t>();
  std::ostringstream hex;
  hex << std::hex << lease;
  etcdctl({"lease", "revoke", hex.str()});
}

std::vector<std::string> EtcdTestCluster::keys(const std::string& prefix) {
  std::istringstream lines(etcdctl({"get", "--prefix", "--keys-only", prefix}));
  std::vector<std::string> out;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace scales::testing

namespace scales::testing {

int64_t EtcdTestCluster::startedCalls(const std::string& method) {
  int64_t total = 0;
  std::string wanted = "grpc_server_started_total{grpc_method=\"" + method + "\"";
  for (int i = 0; i < size(); ++i) {
    if (!members_[i].process) continue;
    ChildProcess curl({"/usr/bin/curl", "-s", "-m", "5", "http://" + member(i) + "/metrics"});
    std::istringstream lines(curl.readAll(10s));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(wanted, 0) == 0) total += std::stoll(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
#include "support/zookeeper_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/loopback_port.h"

namespace scales::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// ZooKeeper's "srvr" four-letter command answers with its mode once it serves clients. Plain
// sockets with a poll timeout: a JVM still starting may accept and then say nothing for a while.
bool serving(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, "srvr", 4, MSG_NOSIGNAL) == 4) {
    char buffer[512];
    pollfd readable{fd, POLLIN, 0};
    while (::poll(&readable, 1, 1000) == 1) {
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return reply.find("Mode:") != std::string::npos;
}

}  // namespace

ZooKeeperServer::ZooKeeperServer()
    : port_(freeLoopbackPort()),
      dir_(fs::temp_directory_path() /
           ("scales-zk-" + std::to_string(::getpid()) + "-" + std::to_string(port_))) {
  start();
}

ZooKeeperServer::~ZooKeeperServer() {
  kill();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void ZooKeeperServer::kill() {
  if (process_) process_->kill();
  process_.reset();
}

void ZooKeeperServer::start(bool wipe) {
  kill();
  if (wipe) fs::remove_all(dir_ / "data");
  fs::create_directories(dir_ / "data");
  std::ofstream(dir_ / "zoo.cfg") << "tickTime=200\n"
                                  << "dataDir=" << (dir_ / "data").string() << "\n"
                                  << "clientPort=" << port_ << "\n"
                                  << "clientPortAddress=127.0.0.1\n"
                                  << "admin.enableServer=false\n"
                                  << "4lw.commands.whitelist=srvr\n"
                                  << "forceSync=no\n"
                                  << "minSessionTimeout=400\n"
                                  << "maxSessionTimeout=30000\n";
  // exec: the process we kill is the JVM itself; its output goes to a file, not a pipe nobody
  // drains.
  std::string command = "ZOO_LOG_DIR='" + dir_.string() + "' JVMFLAGS=-Xmx256m exec " +
                        "/usr/share/zookeeper/bin/zkServer.sh start-foreground '" +
                        (dir_ / "zoo.cfg").string() + "' > '" + (dir_ / "out.log").string() +
                        "' 2>&1";
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"/bin/sh", "-c", command});
  waitServing();
}

void ZooKeeperServer::waitServing() {
  // No event to wait on in another process: poll its status command, bounded.
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (!serving(port_)) {
    if (std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error("ZooKeeper did not start on " + hosts() + "; see " +
                               (dir_ / "out.log").string());
    }
    std::this_thread::sleep_for(50ms);
  }
}

struct ZkTestClient::Connected {
  std::mutex mutex;
  std::condition_variable changed;
  bool up = false;
};

ZkTestClient::ZkTestClient(const std::string& hosts) : connected_(std::make_unique<Connected>()) {
  Connected* connected = connected_.get();
  auto watcher = [](zhandle_t*, int type, int state, const char*, void* context) {
    auto* c = static_cast<Connected*>(context);
    if (type != ZOO_SESSION_EVENT || state != ZOO_CONNECTED_STATE) return;
    std::lock_guard lock(c->mutex);
    c->up = true;
    c->changed.notify_all();
  };
  handle_ = zookeeper_init(hosts.c_str(), watcher, 10000, nullptr, connected, 0);
  if (handle_ == nullptr) throw std::runtime_error("zookeeper_init failed for " + hosts);
  std::unique_lock lock(connected->mutex);
  bool up = connected->changed.wait_for(lock, 30s, [connected] { return connected->up; });
  lock.unlock();
  if (!up) {
    zookeeper_close(handle_);
    throw std::runtime_error("no ZooKeeper session with " + hosts);
  }
}

ZkTestClient::~ZkTestClient() { zookeeper_close(handle_); }

std::string ZkTestClient::create(const std::string& path, const std::string& data, int flags) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    int rc = zoo_create(handle_, path.substr(0, slash).c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE,
                        0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS)
      throw std::runtime_error("create parent: " + std::string(zerror(rc)));
  }
  char created[512];
  int rc = zoo_create(handle_, path.c_str(), data.data(), static_cast<int>(data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, flags, created, sizeof created);
  if (rc != ZOK) throw std::runtime_error("create " + path + ": " + zerror(rc));
  return created;
}

void ZkTestClient::set(const std::string& path, const std::string& data) {
  int rc = zoo_set(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), -1);
  if (rc != ZOK) throw std::runtime_error("set " + path + ": " + zerror(rc));
}

void ZkTestClient::remove(const std::string& path) {
  int rc = zoo_delete(handle_, path.c_str(), -1);
  if (rc != ZOK) throw std::runtime_error("delete " + path + ": " + zerror(rc));
}

std::vector<std::string> ZkTestClient::children(const std::string& path) {
  String_vector names{};
  int rc = zoo_get_children(handle_, path.c_str(), 0, &names);
  if (rc != ZOK) throw std::runtime_error("children " + path + ": " + zerror(rc));
  std::vector<std::string> out(names.data, names.data + names.count);
  deallocate_String_vector(&names);
  return out;
}

}  // namespace scales::testing

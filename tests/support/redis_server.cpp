// SPDX-License-Identifier: Apache-2.0
#include "support/redis_server.h"

#include <chrono>

#include "support/loopback_port.h"

namespace scales::testing {
using namespace std::chrono_literals;

RedisServer::RedisServer(std::vector<std::string> extra)
    : port_(freeLoopbackPort()), extra_(std::move(extra)) {
  start();
}

RedisServer::~RedisServer() { kill(); }

void RedisServer::kill() { process_.reset(); }

void RedisServer::start() {
  std::vector<std::string> argv{"/usr/bin/redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--daemonize",
                                "no",
                                "--loglevel",
                                "warning",
                                "--dir",
                                "/tmp"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<ChildProcess>(argv);
  waitUntilListening(port_, 10s, "redis-server");
}

}  // namespace scales::testing

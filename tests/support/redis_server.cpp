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

RedisServer::RedisServer(std::vector<std::string> extra, RedisTls tls)
    : port_(freeLoopbackPort()), extra_(std::move(extra)), tls_(std::move(tls)) {
  start();
}

RedisServer::~RedisServer() { kill(); }

void RedisServer::kill() { process_.reset(); }

void RedisServer::start() {
  std::vector<std::string> argv{"/usr/bin/redis-server",
                                "--port",
                                tls_ ? std::string("0") : std::to_string(port_),
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
  if (tls_) {
    argv.insert(argv.end(), {"--tls-port", std::to_string(port_), "--tls-cert-file", tls_->cert,
                             "--tls-key-file", tls_->key, "--tls-ca-cert-file", tls_->ca,
                             "--tls-auth-clients", tls_->auth_clients ? "yes" : "no"});
  }
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<ChildProcess>(argv);
  waitUntilListening(port_, 10s, "redis-server");
}

}  // namespace scales::testing

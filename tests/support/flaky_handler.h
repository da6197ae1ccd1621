// SPDX-License-Identifier: Apache-2.0
// The Flaky service's handler (tests/idl/flaky.thrift): replies after a delay on its own timer
// thread, so slow calls never hold the server's threads, and fails on the keys the IDL names.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "Flaky.scales.h"
#include "scales/server/thrift_server.h"

namespace scales::testing {

class FlakyHandler : public flaky::FlakyAsyncHandler {
 public:
  explicit FlakyHandler(std::string name);
  ~FlakyHandler() override;

  // Drops the replies still waiting on their delay (their calls fail). Call it while the server
  // is still alive: a reply refers to the server's connection.
  void stop();

  void read(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply) override;
  void write(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply) override;
  void bounded(int32_t delay_ms, server::Reply<std::string> reply) override;

  std::atomic<int> calls{0};
  // Added to every call's delay (a backend turning slow).
  std::atomic<int> extra_delay_ms{0};
  // Calls served at once (0: no limit): beyond it they wait in a FIFO queue, each taking its
  // delay from when it starts (a backend whose capacity drops). Set before the calls it governs.
  std::atomic<int> workers{0};

 private:
  void answer(const std::string& key, int32_t delay_ms, server::Reply<std::string> reply);
  // On the timer thread: starts queued calls while workers are free.
  void serveQueued();

  std::string name_;
  std::mutex mutex_;
  std::set<std::string> seen_;
  // Touched only on the timer thread.
  std::deque<std::pair<int, server::Reply<std::string>>> waiting_;
  int busy_ = 0;
  std::unique_ptr<boost::asio::io_context> timers_ = std::make_unique<boost::asio::io_context>();
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// An in-process Flaky server on 127.0.0.1 (any port, unless options say otherwise).
struct FlakyServer {
  explicit FlakyServer(std::string name, server::ServerOptions options = {})
      : handler(std::make_shared<FlakyHandler>(std::move(name))),
        host(options.host),
        server(std::make_shared<flaky::FlakyDispatcher>(handler), options) {
    server.start();
  }
  ~FlakyServer() { handler->stop(); }  // while the server is still alive
  std::string address() const { return host + ":" + std::to_string(server.port()); }

  std::shared_ptr<FlakyHandler> handler;
  std::string host;
  server::ThriftServer server;
};

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// The Thrift server: ThriftMux by default and, like Finagle's ThriftMux server, framed Thrift on
// the same port for clients that do not speak Mux (detected from each connection's first frame,
// MUX.md "Server downgrade"), so stock Apache Thrift clients can call it. Each message goes to a
// Dispatcher (generated per service). stop() drains: Mux clients are told (Tdrain) and every call
// in flight finishes before connections close.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "scales/server/dispatcher.h"

namespace scales::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the OS picks one; read it back with port()
  int io_threads = 1;
  // Threads for sync (blocking) handlers.
  int handler_threads = 4;
  size_t max_frame_bytes = 16 * 1024 * 1024;
  // Largest Mux message reassembled from fragments.
  size_t max_message_bytes = 64 * 1024 * 1024;
  // How long stop() waits for in-flight calls before closing connections anyway.
  std::chrono::milliseconds drain_timeout{10000};
};

// Counters since start (Finagle's names in comments).
struct ServerStats {
  uint64_t connects = 0;             // thriftmux/connects
  uint64_t downgraded_connects = 0;  // thriftmux/downgraded_connects: framed Thrift clients
  uint64_t discarded = 0;            // Tdiscarded for a call in flight
  uint64_t orphaned_discards = 0;    // orphaned_tdiscard: Tdiscarded for an unknown tag
};

class ThriftServer {
 public:
  ThriftServer(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options = {});
  ~ThriftServer();  // stop()
  ThriftServer(const ThriftServer&) = delete;
  ThriftServer& operator=(const ThriftServer&) = delete;

  // Binds and starts accepting; throws ConnectionError when the address cannot be bound.
  void start();
  // Stops accepting, drains every connection (up to drain_timeout), closes them, joins threads.
  void stop();
  uint16_t port() const;
  ServerStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scales::server

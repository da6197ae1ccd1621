// SPDX-License-Identifier: Apache-2.0
// A framed Thrift server: accepts connections, reads frames, hands each message to a Dispatcher
// and writes the replies back. Stock Apache Thrift clients (TFramedTransport) can call it.
#pragma once

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
};

class ThriftServer {
 public:
  ThriftServer(std::shared_ptr<Dispatcher> dispatcher, ServerOptions options = {});
  ~ThriftServer();  // stop()
  ThriftServer(const ThriftServer&) = delete;
  ThriftServer& operator=(const ThriftServer&) = delete;

  // Binds and starts accepting; throws ConnectionError when the address cannot be bound.
  void start();
  // Stops accepting, closes connections, joins threads.
  void stop();
  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scales::server

// SPDX-License-Identifier: Apache-2.0
// The parent's handle on the server process (server_process.h): starts this same binary as
// `scales-memory-bench server`, and sends it commands over a pipe, each answer bounded by a
// timeout so that a stuck or crashed server becomes an error naming the command.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "memory_sample.h"

namespace scales::bench {

struct ServerSample {
  MemorySample memory;
  uint64_t connections = 0;  // open, as the server counts them
  uint64_t held = 0;         // calls parked
};

class ServerControl {
 public:
  // Starts the server (see runServerProcess for `max_calls`) and waits for its port.
  ServerControl(size_t max_calls, size_t payload, std::chrono::milliseconds timeout);
  // Ends its input, waits for it to exit (killing it after the timeout).
  ~ServerControl();
  ServerControl(const ServerControl&) = delete;
  ServerControl& operator=(const ServerControl&) = delete;

  uint16_t port() const { return port_; }
  ServerSample sample();
  void park();
  // Returns once `count` calls are parked; throws naming how many were after `timeout`.
  void waitHeld(size_t count, std::chrono::milliseconds timeout);
  // Answers every parked call; returns how many.
  uint64_t release();

 private:
  // Sends one command line; returns the answer line (throws on ERROR, end of output, timeout).
  std::string command(const std::string& line, std::chrono::milliseconds timeout);
  std::string readLine(std::chrono::milliseconds timeout, const std::string& waiting_for);

  pid_t pid_ = -1;
  int to_server_ = -1;
  int from_server_ = -1;
  std::string buffered_;  // read from the server, not yet a whole line
  uint16_t port_ = 0;
  std::chrono::milliseconds timeout_;
};

}  // namespace scales::bench

// SPDX-License-Identifier: Apache-2.0
// One raw TCP connection to 127.0.0.1 for an attacker: non-blocking underneath, every operation
// bounded by a timeout, no protocol of its own beyond "give me the next Mux frame / framed
// payload". Counts every byte received, for amplification checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wire.h"

namespace scales::adversarial {

using Millis = std::chrono::milliseconds;

class RawConn {
 public:
  // Connects within `timeout`, or returns null (refused, timed out, out of descriptors).
  // `receive_buffer` > 0 sets SO_RCVBUF before connecting (a peer that reads slowly).
  static std::unique_ptr<RawConn> connect(uint16_t port, Millis timeout, int receive_buffer = 0);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  int fd() const { return fd_; }

  // Sends as much of `bytes` as the peer takes within `timeout`; returns the count sent (short
  // on timeout, on error or when the peer closed).
  size_t send(std::string_view bytes, Millis timeout);
  bool sendAll(std::string_view bytes, Millis timeout) {
    return send(bytes, timeout) == bytes.size();
  }

  enum class Status { kData, kTimeout, kClosed };
  // Appends whatever arrives within `timeout` to the internal buffer.
  Status fill(Millis timeout);
  // The next Mux frame / framed payload, or nullopt at timeout or close (see closed()).
  std::optional<wire::MuxFrame> readMux(Millis timeout);
  std::optional<std::string> readFramed(Millis timeout);
  // Discards input until the server closes the connection (true) or `timeout` passes (false).
  bool waitClosed(Millis timeout);
  // Whether the server closed (EOF or reset) as seen by the last read.
  bool closed() const { return closed_; }
  // Total bytes received so far.
  uint64_t received() const { return received_; }
  // Closes with an RST (SO_LINGER 0): no TIME_WAIT left behind by thousands of attackers.
  void reset();

 private:
  explicit RawConn(int fd) : fd_(fd) {}
  template <class T>
  std::optional<T> readUntil(std::optional<T> (*take)(std::string&), Millis timeout);

  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;
  uint64_t received_ = 0;
};

// The Mux handshake without the "tinit check" probe: Tinit (mux-framer as given, if any), then
// waits for Rinit. False if the server answered anything else or nothing within `timeout`.
bool muxHandshake(RawConn& conn, Millis timeout, std::optional<uint32_t> framer = std::nullopt);

}  // namespace scales::adversarial

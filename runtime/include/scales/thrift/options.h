// SPDX-License-Identifier: Apache-2.0
// Thrift-specific client options: how calls are encoded and framed on the wire.
#pragma once

#include <cstddef>
#include <string_view>

namespace scales::thrift {

enum class Protocol { kBinary, kCompact };
enum class Transport { kMux, kFramed };

struct ThriftOptions {
  Protocol protocol = Protocol::kBinary;  // TBinaryProtocol, strict write (Finagle's default)
  // ThriftMux (one multiplexed session per endpoint, Finagle's default); kFramed is
  // TFramedTransport, for stock Apache Thrift servers.
  Transport transport = Transport::kMux;
  // Framed only: every call to an endpoint goes down one connection, many in flight, replies
  // matched in the order sent (as Redis clients do). Every Apache Thrift server answers a
  // connection's calls one at a time and in order, so this is sound with them, and it writes and
  // reads many calls per system call; but a slow call delays those behind it, and a server that
  // serves connections in parallel sees one. Off: one call per connection at a time (Finagle's
  // framed client), from a watermark pool.
  bool pipelined = false;
  // Largest frame accepted from a peer; a larger one is a ProtocolError that closes the connection.
  size_t max_frame_bytes = 16 * 1024 * 1024;
};

// "binary" | "compact"; throws ConfigError listing the valid names.
Protocol parseProtocol(std::string_view name);
// "mux" | "framed"; throws ConfigError listing the valid names.
Transport parseTransport(std::string_view name);

}  // namespace scales::thrift

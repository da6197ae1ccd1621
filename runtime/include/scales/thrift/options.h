// SPDX-License-Identifier: Apache-2.0
// Thrift-specific client options: how calls are encoded, framed and routed on the wire. The URI
// keys they own are in uriKeys() (docs/configuration.md, "Thrift").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scales/core/option_keys.h"
#include "scales/mux/client.h"
#include "scales/thrift/protocol.h"

namespace scales::thrift {

struct ThriftOptions {
  static constexpr std::string_view kProtocol = "thrift";
  // protocol, transport, pipelined, max_frame_bytes, hash_field, ping_interval_ms, ...
  static const OptionKeys<ThriftOptions>& uriKeys();

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
  // Ring hash: the argument whose value keys each call (integer, enum or string arguments); calls
  // without it use an explicit scales::HashKeyScope, or a random key.
  std::string hash_field;
  // The Mux session's options (pings, client id, reassembly and unsent limits). Its
  // connect_timeout comes from ClientConfig::connect_timeout and its max_frame_bytes from above.
  mux::ClientOptions mux;

  // Throws ConfigError for options that do not go together (pipelined Mux).
  void validate() const;
};

}  // namespace scales::thrift

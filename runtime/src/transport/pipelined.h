// SPDX-License-Identifier: Apache-2.0
// Pipelined connections: many requests outstanding on one socket, answered in the order they were
// sent (Redis, Kafka). Requests queued in one turn of the event loop leave together: the first
// 2 KiB of them as soon as they are queued, the rest when that write ends (so the server starts
// on the first part while the rest are encoded); every reply in a read is matched to its caller.
// Behind a singleton pool, one connection per endpoint carries every call, as a Mux session does.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/transport/connection.h"
#include "scales/transport/frame_stream.h"

namespace scales::transport {

struct PipelinedOptions {
  Duration connect_timeout = std::chrono::seconds(1);
  std::shared_ptr<ClientTls> tls;  // null: plaintext
  // The largest reply accepted; a larger one is a ProtocolError that closes the connection.
  size_t max_frame_bytes = 64 * 1024 * 1024;
  // How replies are delimited (null: 4-byte big-endian length prefix).
  Framer framer = nullptr;
  // Requests get a 4-byte big-endian length prefix (framed Thrift); otherwise their payloads are
  // written as they are, already framed by the protocol.
  bool prefix_requests = false;
  // Requests awaiting replies on one connection; the next call fails with RejectedError.
  size_t max_pending = 1 << 16;
  // Requests written but not yet taken by the peer; while more wait, the next call fails with
  // RejectedError (a peer that stops reading cannot make the client buffer without bound).
  size_t max_unsent_bytes = 64 * 1024 * 1024;
  // For protocols whose replies name their request (Thrift's seqid). `stamp` appends the request
  // to `out` carrying `id` (length prefix included when prefix_requests); `reply_id` reads a
  // reply's id, throwing ProtocolError when it cannot. A reply whose id is not the oldest
  // waiting request's fails the connection with ProtocolError, so a reply is never handed to
  // another call, whatever order the peer answers in. Null: matched by order alone.
  struct Correlation {
    void (*stamp)(std::string& out, std::string_view request, int32_t id);
    int32_t (*reply_id)(std::string_view reply);
  };
  std::optional<Correlation> correlation;
  // Sent first on every new connection (e.g. Redis AUTH, SELECT, HELLO); the connection is handed
  // out only once `check_handshake` accepted every reply (it throws to refuse, and the connect
  // fails with that error).
  std::vector<std::string> handshake;
  std::function<void(size_t index, std::string_view reply)> check_handshake;
};

// Request payloads are written as they are (already framed by the protocol); Response payloads
// are the framer's payload. A oneway request completes once queued for writing. A cancelled call
// completes at once; its reply, when it comes, is dropped. When the socket fails, every call
// awaiting a reply fails with ConnectionError.
std::shared_ptr<ConnectionFactory> pipelinedConnectionFactory(
    const discovery::Endpoint& endpoint, PipelinedOptions options,
    boost::asio::any_io_executor executor);

}  // namespace scales::transport

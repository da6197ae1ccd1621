// SPDX-License-Identifier: Apache-2.0
// The Thrift server: ThriftMux by default and, like Finagle's ThriftMux server, framed Thrift on
// the same port for clients that do not speak Mux (detected from each connection's first frame,
// docs/architecture.md, "Server downgrade"), so stock Apache Thrift clients can call it. Each
// message goes to a Dispatcher (generated per service). stop() drains: Mux clients are told
// (Tdrain) and every call in flight finishes before connections close.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "scales/server/dispatcher.h"
#include "scales/transport/tls.h"

namespace scales::metrics {
class Registry;
}

namespace scales::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the OS picks one; read it back with port()
  int io_threads = 1;
  // Threads for sync (blocking) handlers.
  int handler_threads = 4;
  size_t max_frame_bytes = 16 * 1024 * 1024;
  // Bytes of Mux messages being reassembled from fragments on one connection, all tags together
  // (so also the largest fragmented message).
  size_t max_message_bytes = 64 * 1024 * 1024;
  // How long stop() waits for in-flight calls before closing connections anyway.
  std::chrono::milliseconds drain_timeout{10000};
  // Where ServerStats' counters are also exported, as server_<counter> labelled server=<name>
  // and port=<port> (e.g. server_calls_refused), for the metrics admin endpoint. Null: only
  // stats().
  metrics::Registry* metrics = nullptr;
  std::string name = "thrift";

  // Limits: every byte from the network is assumed hostile. docs/server.md, "Limits and hardening",
  // says what a peer sees at each; the defaults follow nginx, Envoy and Finagle where they agree.
  //
  // Open connections (sniffing included). At the cap, accepting pauses until one closes; when
  // the process runs out of descriptors (EMFILE/ENFILE) it backs off instead of spinning.
  size_t max_connections = 10000;
  // A new connection must deliver its first whole frame within this, or it is closed.
  std::chrono::milliseconds handshake_timeout{10000};
  // A frame whose first byte arrived must be complete within this (slowloris), or the
  // connection is closed.
  std::chrono::milliseconds read_timeout{30000};
  // A connection with no call in flight and no byte received for this long is closed (Mux
  // connections are drained: the client is told to go elsewhere). Zero: never.
  std::chrono::milliseconds idle_timeout{3600 * 1000};
  // Mux: a session that negotiated (Tinit) and has sent nothing for ping_interval gets a Tping;
  // if nothing at all arrives within ping_timeout after it, the session is closed. Sessions
  // without Tinit (the Python scales client) are not pinged: they cannot answer. Zero: never.
  std::chrono::milliseconds ping_interval{60000};
  std::chrono::milliseconds ping_timeout{15000};
  // Calls in flight on one connection; more are refused at once (Mux: NACK, so the client
  // retries elsewhere; framed: TApplicationException).
  size_t max_calls_per_connection = 10000;
  // Calls in flight on the whole server, queued for a handler thread or running; more are
  // refused at once, as above. This bounds the handler queue.
  size_t max_pending_calls = 50000;
  // Mux messages being reassembled from fragments at once on one connection.
  size_t max_reassembling_messages = 16;
  // Replies (error replies included) not yet taken by the peer; above this the connection is
  // not read until its output drains (backpressure).
  size_t max_unsent_bytes = 1024 * 1024;
  // The whole server's memory for peers' bytes, in two halves so neither starves the other:
  // request bodies of calls in flight (over it, new calls are refused), and bytes still arriving
  // (read buffers grown past 64 KiB for large frames, Mux reassembly: over it, connections
  // waiting to grow a read buffer are not read until memory frees or read_timeout closes them).
  size_t max_buffered_bytes = 256 * 1024 * 1024;

  // TLS (docs/tls.md): certificate and key, an optional client CA (mutual TLS), plaintext on the
  // same port or not, and the identities allowed to call. Default: plaintext only.
  transport::TlsServerOptions tls{};
};

// Counters since start (Finagle's names in comments), including every refusal.
struct ServerStats {
  uint64_t connects = 0;                // thriftmux/connects
  uint64_t downgraded_connects = 0;     // thriftmux/downgraded_connects: framed Thrift clients
  uint64_t discarded = 0;               // Tdiscarded for a call in flight
  uint64_t orphaned_discards = 0;       // orphaned_tdiscard: Tdiscarded for an unknown tag
  uint64_t accept_pauses = 0;           // accepting paused at max_connections (new ones wait)
  uint64_t accept_errors = 0;           // accept() failures (EMFILE, ENFILE, ...): backed off
  uint64_t handshake_timeouts = 0;      // no first frame within handshake_timeout
  uint64_t read_timeouts = 0;           // a started frame not complete within read_timeout
  uint64_t idle_timeouts = 0;           // closed or drained after idle_timeout
  uint64_t ping_timeouts = 0;           // no answer within ping_timeout of a server Tping
  uint64_t calls_refused = 0;           // max_calls_per_connection, max_pending_calls, memory
  uint64_t deadline_expired = 0;        // answered without running the handler: deadline passed
  uint64_t backpressure_pauses = 0;     // reading paused over max_unsent_bytes
  uint64_t memory_pauses = 0;           // reading paused waiting for max_buffered_bytes
  uint64_t protocol_errors = 0;         // connections closed for breaking the protocol
  uint64_t handler_errors = 0;          // connections ended by an error of our own (logged)
  uint64_t plaintext_refused = 0;       // plaintext connections or calls to a TLS-only server
  uint64_t peers_refused = 0;           // calls from identities not allowed (TlsServerOptions)
  uint64_t tls_handshakes = 0;          // TLS handshakes completed
  uint64_t tls_handshake_failures = 0;  // failed: timeout, verify, closed, error
  uint64_t open_connections = 0;        // now, sniffing included
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

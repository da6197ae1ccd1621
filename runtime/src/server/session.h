// SPDX-License-Identifier: Apache-2.0
// One accepted connection, once its protocol is known: Mux or framed Thrift. The server keeps
// them to drain on stop(). What every session of one server shares (its options, counters and
// budgets) lives in ServerShared.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "scales/metrics/registry.h"
#include "scales/server/dispatcher.h"
#include "scales/server/thrift_server.h"
#include "scales/transport/frame_stream.h"
#include "scales/transport/stream.h"

namespace scales::transport {
class ServerTls;
}

namespace scales::server::detail {

// The counters behind ServerStats, each a metrics::Counter: standalone, or the registry's when
// the server exports them (ServerOptions::metrics).
#define SCALES_SERVER_COUNTERS(X) \
  X(connects)                     \
  X(downgraded_connects)          \
  X(discarded)                    \
  X(orphaned_discards)            \
  X(accept_pauses)                \
  X(accept_errors)                \
  X(handshake_timeouts)           \
  X(read_timeouts)                \
  X(idle_timeouts)                \
  X(ping_timeouts)                \
  X(calls_refused)                \
  X(deadline_expired)             \
  X(backpressure_pauses)          \
  X(memory_pauses)                \
  X(protocol_errors)              \
  X(handler_errors)               \
  X(plaintext_refused)            \
  X(peers_refused)

struct Counters {
#define SCALES_DECLARE(name) \
  std::shared_ptr<metrics::Counter> name = std::make_shared<metrics::Counter>();
  SCALES_SERVER_COUNTERS(SCALES_DECLARE)
#undef SCALES_DECLARE

  // Switches to the registry's counters, named server_<counter>; before any connection.
  void exportTo(metrics::Registry& registry, const metrics::Labels& labels) {
#define SCALES_EXPORT(name) name = registry.counter("server_" #name, labels);
    SCALES_SERVER_COUNTERS(SCALES_EXPORT)
#undef SCALES_EXPORT
  }
};

// What every connection of one server shares. Held by the server, its sessions and each call's
// responder (a handler may answer after its connection is gone), so it outlives them all.
struct ServerShared {
  explicit ServerShared(ServerOptions o)
      : options(std::move(o)),
        calls_budget(options.max_buffered_bytes / 2),
        arriving_budget(options.max_buffered_bytes - options.max_buffered_bytes / 2) {}

  const ServerOptions options;
  Counters counters;
  // The server's TLS (certificate, key, client CA); null: plaintext only.
  std::shared_ptr<transport::ServerTls> tls;
  // What Rinit answers a client's `tls` header with: off without TLS, desired when plaintext is
  // allowed too, else required.
  const char* muxTlsLevel() const {
    if (!tls) return "off";
    return options.tls.allow_plaintext ? "desired" : "required";
  }
  // max_buffered_bytes in two halves, so that neither can starve the other: request bytes of
  // calls in flight, and bytes still arriving (read buffers grown for large frames, Mux
  // reassembly). Unfinished frames cannot lock every call out.
  transport::MemoryBudget calls_budget;
  transport::MemoryBudget arriving_budget;
  // Calls dispatched and not yet answered, on every connection.
  std::atomic<size_t> pending_calls{0};
  // What this server's replies typically weigh (bytes): a moving average of the connections' own
  // averages, which each publishes every few replies (not every reply: one shared cache line
  // written per reply would be passed between the I/O threads). A new connection starts from it,
  // so the calls of its first reads, before a reply of its own, are not counted as owing nothing.
  std::atomic<double> typical_reply{0};
  void publishAverageReply(double average) {
    double typical = typical_reply.load(std::memory_order_relaxed);
    // Racing publishers may lose an update; the average only needs to be about right.
    typical_reply.store(typical == 0 ? average : typical + (average - typical) / 4,
                        std::memory_order_relaxed);
  }

  // Takes a server-wide slot for a call of `bytes` request bytes; the reason when refused.
  const char* admit(size_t bytes) {
    if (pending_calls.fetch_add(1, std::memory_order_relaxed) >= options.max_pending_calls) {
      pending_calls.fetch_sub(1, std::memory_order_relaxed);
      return "server overloaded: max_pending_calls reached";
    }
    if (!calls_budget.tryCharge(bytes)) {
      pending_calls.fetch_sub(1, std::memory_order_relaxed);
      return "server overloaded: max_buffered_bytes reached";
    }
    return nullptr;
  }
  // Gives back what admit() took, once the call is answered (from any thread).
  void finish(size_t bytes) {
    calls_budget.release(bytes);
    pending_calls.fetch_sub(1, std::memory_order_relaxed);
  }
};

struct SessionSetup {
  std::shared_ptr<Dispatcher> dispatcher;
  boost::asio::any_io_executor blocking_executor;
  std::shared_ptr<ServerShared> shared;
  std::function<void()> on_closed;  // called once, on the session's executor
};

class Session {
 public:
  virtual ~Session() = default;
  // `already_read`: the bytes read to tell the protocol apart, to be processed first.
  virtual void start(std::string already_read) = 0;
  // Finish what is in flight, then close. Call on the session's executor.
  virtual void drain() = 0;
  virtual void close() = 0;
};

std::shared_ptr<Session> makeMuxSession(transport::Stream stream, SessionSetup setup);
std::shared_ptr<Session> makeFramedSession(transport::Stream stream, SessionSetup setup);

// True when the connection's first bytes (at least 8) are a Mux frame rather than framed Thrift.
bool looksLikeMux(std::string_view first_bytes);

}  // namespace scales::server::detail

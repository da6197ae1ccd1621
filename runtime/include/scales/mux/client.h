// SPDX-License-Identifier: Apache-2.0
// The Mux client: one multiplexed session per connection (handshake, tags, pings, drain, lease,
// discard), offered to the stack as a transport::Connection. ThriftMux puts a Thrift message in
// each Tdispatch body.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/metrics/metric.h"
#include "scales/transport/connection.h"
#include "scales/transport/tls.h"

namespace scales::mux {

// What sessions record (null members: nothing): pings sent, their round trips, Tdrains heard.
struct SessionMetrics {
  std::shared_ptr<metrics::Counter> pings;
  std::shared_ptr<metrics::Histogram> ping_rtt;
  std::shared_ptr<metrics::Counter> drains;
};

// Finagle's opportunistic TLS, negotiated in Tinit/Rinit (the `tls` header): off + off or
// desired stays plaintext, off + required (either way round) fails, any other pair upgrades
// the connection to TLS right after Rinit.
enum class TlsLevel { kOff, kDesired, kRequired };
const char* tlsLevelName(TlsLevel level);
// "off", "desired" or "required"; nullopt for anything else.
std::optional<TlsLevel> parseTlsLevel(std::string_view text);

struct ClientOptions {
  Duration connect_timeout = std::chrono::seconds(1);  // TCP connect plus the Mux handshake
  // Largest frame accepted; advertised to the server as `mux-framer` so it fragments above it.
  size_t max_frame_bytes = 16 * 1024 * 1024;
  // Bytes of replies in reassembly from fragments at once (so also the largest fragmented one);
  // only tags with a call waiting may carry fragments.
  size_t max_message_bytes = 64 * 1024 * 1024;
  // Calls written but not yet taken by the server; while more wait, new calls fail with
  // RejectedError (a server that stops reading cannot make the client buffer without bound).
  size_t max_unsent_bytes = 64 * 1024 * 1024;
  // Liveness (Finagle's threshold failure detector): a Tping this often, and the session is
  // closed if its Rping takes longer than ping_timeout. Zero disables pings.
  Duration ping_interval = std::chrono::seconds(5);
  Duration ping_timeout = std::chrono::seconds(4);
  // Sent as com.twitter.finagle.thrift.ClientIdContext when not empty.
  std::string client_id;
  SessionMetrics metrics;
  // The client's TLS material (ClientConfig::tls); null: none. With opportunistic_tls off, TLS
  // begins at the first byte; otherwise the session negotiates it at that level.
  std::shared_ptr<transport::ClientTls> tls;
  TlsLevel opportunistic_tls = TlsLevel::kOff;
};

// What a session reports about itself (tests, metrics, health checks).
class SessionInfo {
 public:
  virtual ~SessionInfo() = default;
  virtual std::optional<Duration> lastPingRtt() const = 0;
  virtual bool draining() const = 0;
  virtual size_t outstanding() const = 0;  // tags in use, including discarded ones not yet freed
};

std::shared_ptr<transport::ConnectionFactory> connectionFactory(
    const discovery::Endpoint& endpoint, const ClientOptions& options,
    boost::asio::any_io_executor executor);

}  // namespace scales::mux

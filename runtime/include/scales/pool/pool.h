// SPDX-License-Identifier: Apache-2.0
// A Pool is the per-endpoint Service that owns connections and lends one to each call.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "scales/core/deadline.h"
#include "scales/core/registry.h"
#include "scales/core/service.h"
#include "scales/transport/connection.h"

namespace scales::pool {

class Pool : public RpcService {
 public:
  virtual size_t size() const = 0;     // connections open or opening
  virtual size_t idle() const = 0;     // open and waiting for a call
  virtual size_t waiters() const = 0;  // calls queued for a connection

  // Warm connections: opens, before any call asks, what the pool keeps open anyway (the
  // singleton's session, handshake and all; the watermark pool's connections up to its low
  // watermark). Nothing when they are open or opening already. Pools without the notion ignore
  // it.
  virtual void preconnect() {}
  // Whether a call would find an open connection now (false while only connecting).
  virtual bool connected() const { return idle() > 0; }
  // Whether a connection is being opened.
  virtual bool connecting() const { return false; }
  // Why the last attempt to open a connection failed (empty: none failed, or one opened since).
  virtual std::string lastConnectError() const { return {}; }
};

struct WatermarkPoolOptions {
  // Connections kept open however idle (scales' min_watermark).
  size_t low_watermark = 1;
  // Connections opened at most; a call beyond that waits for one to be released.
  size_t high_watermark = 64;
  // Calls allowed to wait; the next one fails at once with RejectedError.
  size_t max_waiters = 4096;
  // A connection above the low watermark is closed after idling this long (0: at once).
  Duration idle_timeout = std::chrono::seconds(10);
  // A call waiting longer than this for a connection fails with TimeoutError (0: only the call's
  // own deadline bounds the wait).
  Duration acquire_timeout = Duration::zero();
};

struct SingletonPoolOptions {
  // Calls allowed to wait while the session connects; the next one fails with RejectedError.
  size_t max_waiters = 4096;
};

namespace pools {
// One multiplexed connection (a Mux session) shared by every call, with unlimited concurrency.
// A session that drains or fails is replaced on the next call; calls still on it finish there.
std::unique_ptr<Pool> singleton(const SingletonPoolOptions& options,
                                std::shared_ptr<transport::ConnectionFactory> factory,
                                boost::asio::any_io_executor executor);

// One call per connection at a time (framed Thrift, HTTP/1.1, Redis). Up to the low watermark,
// connections stay open forever; above it they open on demand up to the high watermark and close
// after idling. Beyond the high watermark calls wait, in arrival order, for a released connection.
std::unique_ptr<Pool> watermark(const WatermarkPoolOptions& options,
                                std::shared_ptr<transport::ConnectionFactory> factory,
                                boost::asio::any_io_executor executor);
}  // namespace pools

// A kind of pool, by name in the pool registry ("watermark", "singleton", and users' own).
struct PoolKind {
  // Makes one endpoint's pool over the factory's connections.
  std::function<std::unique_ptr<Pool>(const WatermarkPoolOptions&,
                                      std::shared_ptr<transport::ConnectionFactory>,
                                      boost::asio::any_io_executor)>
      make;
  // Whether it lends one connection to many calls at once: only for connections that take
  // concurrent calls (Mux sessions, pipelined connections), never for framed Thrift or HTTP.
  bool shares_connections = false;
};

const Registry<PoolKind>& poolRegistry();
// Adds a pool kind for ClientConfig::pool_kind and ?pool= (before creating the clients that name
// it). Thread-safe; throws ConfigError when the name is taken.
void registerPool(std::string name, PoolKind kind);
// Throws ConfigError naming the valid kinds.
std::unique_ptr<Pool> makePool(std::string_view kind, const WatermarkPoolOptions& options,
                               std::shared_ptr<transport::ConnectionFactory> factory,
                               boost::asio::any_io_executor executor);

}  // namespace scales::pool

// SPDX-License-Identifier: Apache-2.0
// One accepted connection, once its protocol is known: Mux or framed Thrift. The server keeps
// them to drain on stop().
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "scales/server/dispatcher.h"
#include "scales/server/thrift_server.h"

namespace scales::server::detail {

// Shared, thread-safe counters behind ServerStats.
struct Counters {
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> downgraded_connects{0};
  std::atomic<uint64_t> discarded{0};
  std::atomic<uint64_t> orphaned_discards{0};
};

struct SessionSetup {
  std::shared_ptr<Dispatcher> dispatcher;
  CallContext context;
  const ServerOptions* options;
  Counters* counters;
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

std::shared_ptr<Session> makeMuxSession(boost::asio::ip::tcp::socket socket, SessionSetup setup);
std::shared_ptr<Session> makeFramedSession(boost::asio::ip::tcp::socket socket, SessionSetup setup);

// True when the connection's first bytes (at least 8) are a Mux frame rather than framed Thrift.
bool looksLikeMux(std::string_view first_bytes);

}  // namespace scales::server::detail

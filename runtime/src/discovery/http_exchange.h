// SPDX-License-Identifier: Apache-2.0
// One HTTP/1.1 request on a connection of its own, for the resolvers and announcers that speak
// JSON over HTTP to a registry (etcd's v3 gateway, Consul's API). Registry traffic is a handful of
// requests a second at most, so a fresh connection per exchange buys simplicity (no pool, no
// stale keep-alive connections after a member restarts) for nothing that matters.
//
// Bounded against a hostile or broken server: the status line and headers within 64 KiB, a
// buffered body within `max_body`, each streamed line within `max_body`, and the whole exchange
// (a buffered one) or its name lookup, connect and headers (a streamed one) within `timeout`. A
// streamed exchange (a watch) has no total deadline; TCP keepalives notice a peer whose host
// vanished without closing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {

struct HttpExchangeRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query, already escaped
  std::string body;          // sent with Content-Type: application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpExchangeResult {
  std::string error;  // non-empty: no complete response (refused, reset, timed out, too large)
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;                                          // buffered exchanges only

  // The first header named `name` (lower case); empty when absent.
  std::string header(std::string_view name) const;
};

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  using Done = std::function<void(HttpExchangeResult)>;
  // Streamed exchanges: each line of a 2xx body, without its newline, as it arrives.
  using OnLine = std::function<void(std::string_view line)>;

  // Starts at once. `done` runs once on `executor` (never inline), unless cancel() came first.
  // With `on_line`, a 2xx body is streamed line by line (its lines also run on the executor) and
  // `done` gets the end of the body, or why it broke off; other statuses are buffered as usual.
  static std::shared_ptr<HttpExchange> start(boost::asio::any_io_executor executor, HostPort server,
                                             HttpExchangeRequest request, Duration timeout,
                                             size_t max_body, Done done, OnLine on_line = {});
  virtual ~HttpExchange() = default;
  // Closes the connection; neither `done` nor `on_line` runs after it, even when `done` was
  // already queued (call on the executor).
  virtual void cancel() = 0;
};

// "host:port" for messages ("[v6]:port" for IPv6 literals).
std::string showServer(const HostPort& server);

}  // namespace scales::discovery

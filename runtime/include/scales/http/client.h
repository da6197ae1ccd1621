// SPDX-License-Identifier: Apache-2.0
// scales::http::Client: HTTP/1.1 over the shared client stack. Each endpoint gets a watermark
// pool of keep-alive connections; every call is balanced, timed out, retried (idempotent methods
// only, beyond requeues of unsent requests) and recorded like a Thrift call. Sync forms return or
// throw; async forms take any Asio completion token.
#pragma once

#include <boost/asio/use_future.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "scales/client/channel.h"
#include "scales/client/invoke.h"
#include "scales/client/use_blocking.h"
#include "scales/core/option_keys.h"
#include "scales/http/connection.h"
#include "scales/http/message.h"

namespace scales::http {

// HTTP's own options (docs/configuration.md, "HTTP"); connect_timeout comes from ClientConfig.
struct ClientOptions {
  static constexpr std::string_view kProtocol = "http";
  static const OptionKeys<ClientOptions>&
  uriKeys();  // max_body_bytes, max_header_bytes, trace_headers

  // A larger response body is a ProtocolError (and closes the connection).
  size_t max_body_bytes = 64 * 1024 * 1024;
  // Status line and headers together.
  size_t max_header_bytes = 64 * 1024;
  // Which trace headers each request carries: "b3" (X-B3-*), "w3c" (traceparent, tracestate),
  // "both" or "none" (scales/http/propagation.h). Deadline, retries and broadcast contexts always
  // go as Finagle-Ctx- headers.
  std::string trace_headers = "both";

  void validate() const;  // throws ConfigError
};

// Maps the stack's reply to a Response; throws ProtocolError when it is not one.
Response decodeReply(const scales::Response& reply);

class Client : public std::enable_shared_from_this<Client> {
 public:
  // The URI names the servers (tcp://, zk://, dns://, ...); its query may carry the stack's keys
  // and HTTP's. Throws ConfigError naming the bad part.
  static std::shared_ptr<Client> make(std::string_view uri, ClientConfig config = {},
                                      ClientOptions options = {});

  const ClientConfig& config() const { return channel_.config(); }
  // The stack's layers, top-down (scales/client/layers.h).
  std::vector<std::string> layers() const { return channel_.layers(); }
  const client::ClientMetrics& metrics() const { return channel_.metrics(); }
  boost::asio::any_io_executor executor() const { return channel_.executor(); }
  // Graceful close (the destructor does it too): new calls fail with UsageError, calls in flight
  // finish for up to config().drain_timeout, then the connections close (client::Channel).
  void close() { channel_.close(); }
  // Waits until an endpoint is connected (or throws UnavailableError naming why none is within
  // `timeout`); the token form completes with void(std::exception_ptr) (client::Channel).
  void awaitReady(Duration timeout) { channel_.awaitReady(timeout); }
  template <class CompletionToken>
  auto awaitReady(Duration timeout, CompletionToken&& token) {
    return channel_.awaitReady(timeout, std::forward<CompletionToken>(token));
  }

  // Any method. Throws UsageError (at once) for a request HTTP cannot carry.
  template <class Token>
  auto send(Request request, Token&& token) {
    return client::asyncInvoke<Response>(
        [self = shared_from_this()](scales::Request&& r, RpcService::Handler&& h) {
          self->channel_.send(std::move(r), std::move(h));
        },
        encode(request), decodeReply, std::forward<Token>(token));
  }
  Response send(Request request);

  template <class Token>
  auto get(std::string_view target, Token&& token) {
    return send(Request{"GET", std::string(target), {}, {}}, std::forward<Token>(token));
  }
  Response get(std::string_view target, Headers headers = {});

  template <class Token>
  auto post(std::string_view target, std::string body, Token&& token) {
    return send(Request{"POST", std::string(target), {}, std::move(body)},
                std::forward<Token>(token));
  }
  Response post(std::string_view target, std::string body, Headers headers = {});

 private:
  Client(const discovery::Uri& uri, ClientConfig config, const ClientOptions& options);
  static scales::Request encode(const Request& request);

  client::Channel channel_;
};

}  // namespace scales::http

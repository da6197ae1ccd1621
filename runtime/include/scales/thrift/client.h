// SPDX-License-Identifier: Apache-2.0
// ThriftClient: what a generated stub holds. Its channel owns the stack and the event loop (unless
// given an executor); it adds the IDL's per-method policies and sends already-encoded Thrift
// messages.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scales/client/channel.h"
#include "scales/thrift/options.h"

namespace scales::thrift {

class ThriftClient {
 public:
  // Parses the URI, applies its query options over `config` (the stack's keys) and `options`
  // (Thrift's), and builds the stack. Throws ConfigError naming the bad part.
  static std::shared_ptr<ThriftClient> make(std::string_view uri, ClientConfig config = {},
                                            ThriftOptions options = {});

  Protocol protocol() const { return options_.protocol; }
  const ClientConfig& config() const { return channel_.config(); }
  const ThriftOptions& options() const { return options_; }
  // The stack's layers, top-down (scales/client/layers.h).
  std::vector<std::string> layers() const { return channel_.layers(); }
  // Calls, requeues, retries, backups and budget refusals so far.
  const resilience::AttemptCounters& attemptCounters() const { return *metrics().attempts; }
  // Everything the client records (scales/client/client_metrics.h).
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

  // Sends one encoded message. Callable from any thread; the handler runs on its associated
  // executor (or on the client's, for handlers with none).
  void asyncCall(Request&& request, RpcService::Handler&& handler);

  // Resolves the service's per-method policies: the IDL's annotations, under the client's
  // defaults and config().methods' overrides. Throws ConfigError for an override naming an
  // unknown method or exception type. Generated make() calls it once, before any call.
  void applyMethodPolicies(std::string_view service, const std::vector<IdlMethodPolicy>& idl);
  // The policy calls to `method` follow; null when none was resolved.
  const MethodPolicy* methodPolicy(const std::string& method) const;

  // Throws ConfigError when options().hash_field names none of the service's arguments.
  void checkHashField(std::string_view service, std::initializer_list<std::string_view> args) const;

  // Sync calls block until the reply; doing that on the client's own event loop would deadlock.
  // Throws UsageError when called there.
  void checkMayBlock(std::string_view method) const { channel_.checkMayBlock(method); }

 private:
  ThriftClient(const discovery::Uri& uri, ClientConfig config, ThriftOptions options);
  // The transport's connections: Mux sessions, or framed connections (pipelined or exclusive).
  static client::ProtocolStack protocolStack(const ThriftOptions& options);

  ThriftOptions options_;
  // Before the channel: calls carry pointers to these policies, and the channel's destructor
  // lets the calls in flight finish (a member declared later would be destroyed by then).
  std::unordered_map<std::string, MethodPolicy> policies_;
  bool policies_matter_ = false;  // false: every policy is the default, so calls skip the lookup
  client::Channel channel_;
};

}  // namespace scales::thrift

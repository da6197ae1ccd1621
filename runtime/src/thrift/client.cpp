// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/client.h"

#include <algorithm>

#include "scales/balancer/hash.h"
#include "scales/client/client_metrics.h"
#include "scales/client/stack.h"
#include "scales/client/uri_options.h"
#include "scales/core/errors.h"
#include "scales/mux/client.h"
#include "scales/thrift/codec.h"
#include "scales/thrift/seqid.h"
#include "thrift/framed.h"
#include "transport/pipelined.h"
#include "transport/tls_context.h"

namespace scales::thrift {
namespace asio = boost::asio;

std::shared_ptr<ThriftClient> ThriftClient::make(std::string_view uri, ClientConfig config,
                                                 ThriftOptions options) {
  auto setup = client::parseClientUri(uri, std::move(config), std::move(options));
  return std::shared_ptr<ThriftClient>(
      new ThriftClient(setup.uri, std::move(setup.config), std::move(setup.options)));
}

ThriftClient::ThriftClient(const discovery::Uri& uri, ClientConfig config, ThriftOptions options)
    : options_(std::move(options)), channel_(uri, std::move(config), protocolStack(options_)) {}

client::ProtocolStack ThriftClient::protocolStack(const ThriftOptions& options) {
  if (options.transport == Transport::kFramed && !options.pipelined) {
    // One call per connection at a time (Finagle's framed client), from a watermark pool.
    return {
        [options](const ClientConfig& config,
                  std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
          FramedConnectionOptions framed{
              config.connect_timeout, options.max_frame_bytes,
              transport::clientTlsFor(config.tls, {}, metrics->registry, metrics->labels)};
          return [framed](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
            return framedConnectionFactory(endpoint, framed, ex);
          };
        },
        {classifyReply, classifiesReplies},
        "aperture",
        "watermark",
        false};
  }
  if (options.transport == Transport::kFramed) {
    return {
        [options](const ClientConfig& config,
                  std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
          transport::PipelinedOptions pipelined;
          pipelined.connect_timeout = config.connect_timeout;
          pipelined.tls =
              transport::clientTlsFor(config.tls, {}, metrics->registry, metrics->labels);
          pipelined.max_frame_bytes = options.max_frame_bytes;
          pipelined.prefix_requests = true;
          // Apache Thrift servers answer in order, but a reply is never trusted to be the
          // oldest call's without its seqid saying so.
          pipelined.correlation =
              transport::PipelinedOptions::Correlation{appendFramedWithSeqid, seqidOf};
          return [pipelined](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
            return transport::pipelinedConnectionFactory(endpoint, pipelined, ex);
          };
        },
        {classifyReply, classifiesReplies},
        "aperture",
        "singleton",
        true};
  }
  return {
      [options](const ClientConfig& config,
                std::shared_ptr<const client::ClientMetrics> metrics) -> client::ConnectionsFor {
        mux::ClientOptions mux = options.mux;
        mux.connect_timeout = config.connect_timeout;
        mux.max_frame_bytes = options.max_frame_bytes;
        mux.tls = transport::clientTlsFor(config.tls, {}, metrics->registry, metrics->labels,
                                          mux.opportunistic_tls != mux::TlsLevel::kOff);
        return [mux, metrics](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
          auto session = mux;
          auto labels = metrics->labels;
          labels.emplace_back("endpoint", endpoint.address());
          session.metrics = {metrics->registry.counter("mux_pings", labels),
                             metrics->registry.histogram("mux_ping_rtt_us", labels),
                             metrics->registry.counter("mux_drains", labels)};
          return mux::connectionFactory(endpoint, session, ex);
        };
      },
      {classifyReply, classifiesReplies},
      "aperture",
      "singleton",
      true};
}

void ThriftClient::applyMethodPolicies(std::string_view service,
                                       const std::vector<IdlMethodPolicy>& idl) {
  std::string methods;
  for (const auto& m : idl) {
    MethodPolicy policy;
    policy.idempotent = m.idempotent || config().retry.idempotent;
    if (m.timeout_ms > 0) policy.timeout = std::chrono::milliseconds(m.timeout_ms);
    for (const auto& e : m.exceptions) {
      if (e.retryable) policy.retryable_exceptions.push_back(e.field);
      if (e.failure) policy.failure_exceptions.push_back(e.field);
    }
    policies_[m.method] = std::move(policy);
    methods += (methods.empty() ? "" : ", ") + std::string(m.method);
  }
  for (const auto& [name, change] : config().methods) {
    auto it = std::find_if(idl.begin(), idl.end(), [&](const auto& m) { return name == m.method; });
    if (it == idl.end()) {
      throw ConfigError("method policy for '" + name + "': not a function of " +
                        std::string(service) + "; functions: " + methods);
    }
    auto& policy = policies_[name];
    if (change.idempotent) policy.idempotent = *change.idempotent;
    if (change.timeout) policy.timeout = *change.timeout;
    // Exception type names, as fields of the method's result.
    auto fields = [&, &name = name](const std::vector<std::string>& types) {
      std::vector<int16_t> ids;
      for (const auto& type : types) {
        auto e = std::find_if(it->exceptions.begin(), it->exceptions.end(),
                              [&](const auto& d) { return type == d.type; });
        if (e == it->exceptions.end()) {
          throw ConfigError("method policy for '" + name + "': " + type +
                            " is not an exception it declares");
        }
        ids.push_back(e->field);
      }
      return ids;
    };
    if (change.retryable) policy.retryable_exceptions = fields(*change.retryable);
    if (change.failures) policy.failure_exceptions = fields(*change.failures);
  }
  // A policy equal to the retry options' defaults changes nothing: skip the per-call lookup.
  for (const auto& [name, policy] : policies_) {
    policies_matter_ = policies_matter_ || policy.idempotent != config().retry.idempotent ||
                       policy.timeout || !policy.retryable_exceptions.empty() ||
                       !policy.failure_exceptions.empty();
  }
}

const MethodPolicy* ThriftClient::methodPolicy(const std::string& method) const {
  auto it = policies_.find(method);
  return it == policies_.end() ? nullptr : &it->second;
}

void ThriftClient::asyncCall(Request&& request, RpcService::Handler&& handler) {
  if (!request.policy && policies_matter_) request.policy = methodPolicy(request.method);
  if (request.deadline.isInfinite() && request.policy && request.policy->timeout) {
    request.deadline = Deadline::after(*request.policy->timeout);
  }
  if (!request.hash_key) request.hash_key = HashKeyScope::current();  // read on the caller's thread
  channel_.send(std::move(request), std::move(handler));
}

void ThriftClient::checkHashField(std::string_view service,
                                  std::initializer_list<std::string_view> args) const {
  if (options_.hash_field.empty()) return;
  std::string valid;
  for (auto arg : args) {
    if (arg == options_.hash_field) return;
    valid += (valid.empty() ? "" : ", ") + std::string(arg);
  }
  throw ConfigError("hash_field '" + options_.hash_field + "' is not an argument of any " +
                    std::string(service) +
                    " function; arguments: " + (valid.empty() ? "(none)" : valid));
}

}  // namespace scales::thrift

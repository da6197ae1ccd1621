// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/client.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <future>

#include "scales/balancer/hash.h"
#include "scales/client/stack.h"
#include "scales/core/errors.h"
#include "scales/mux/client.h"
#include "scales/thrift/codec.h"
#include "scales/thrift/framed.h"

namespace scales::thrift {
namespace asio = boost::asio;

std::shared_ptr<ThriftClient> ThriftClient::make(std::string_view uri_text, ClientConfig config) {
  auto uri = discovery::parseUri(uri_text);
  applyUriOptions(uri, config);
  std::unique_ptr<Runtime> runtime;
  if (!config.executor) runtime = std::make_unique<Runtime>(1);
  if (config.name.empty()) config.name = uri.text;
  std::shared_ptr<ThriftClient> client(new ThriftClient(std::move(config), std::move(runtime)));
  client->metrics_ = std::make_shared<client::ClientMetrics>(
      client->config_.metrics ? *client->config_.metrics : metrics::defaultRegistry(),
      client->config_.name);
  auto executor = client->executor_;
  client->stack_ =
      client::buildStack(uri, client->config_, poolFactory(client->config_, client->metrics_),
                         executor, retryableReply, client->metrics_);
  return client;
}

client::PoolFactory ThriftClient::poolFactory(
    const ClientConfig& config, std::shared_ptr<const client::ClientMetrics> metrics) {
  if (config.thrift.transport == Transport::kFramed) {
    FramedConnectionOptions framed{config.connect_timeout, config.thrift.max_frame_bytes};
    return [framed, pool = config.pool](const discovery::Endpoint& endpoint,
                                        asio::any_io_executor ex) {
      return pool::pools::watermark(pool, framedConnectionFactory(endpoint, framed, ex), ex);
    };
  }
  mux::ClientOptions mux = config.mux;
  mux.connect_timeout = config.connect_timeout;
  mux.max_frame_bytes = config.thrift.max_frame_bytes;
  pool::SingletonPoolOptions singleton{config.pool.max_waiters};
  return [mux, singleton, metrics](const discovery::Endpoint& endpoint, asio::any_io_executor ex) {
    auto options = mux;
    auto labels = metrics->labels;
    labels.emplace_back("endpoint", endpoint.address());
    options.metrics = {metrics->registry.counter("mux_pings", labels),
                       metrics->registry.histogram("mux_ping_rtt_us", labels),
                       metrics->registry.counter("mux_drains", labels)};
    return pool::pools::singleton(singleton, mux::connectionFactory(endpoint, options, ex), ex);
  };
}

ThriftClient::ThriftClient(ClientConfig config, std::unique_ptr<Runtime> runtime)
    : config_(std::move(config)), runtime_(std::move(runtime)) {
  if (runtime_) {
    executor_ = runtime_->executor();
  } else {
    // A caller's executor may run several threads; the stack is single-threaded by design.
    strand_.emplace(asio::make_strand(*config_.executor));
    executor_ = *strand_;
  }
}

bool ThriftClient::onOwnExecutor() const {
  return runtime_ ? runtime_->runningInThisThread() : strand_->running_in_this_thread();
}

ThriftClient::~ThriftClient() {
  // Close the stack on its own executor (it is not thread-safe), then stop our loop, if any.
  if (stack_) {
    if (onOwnExecutor()) {
      stack_->close();
    } else {
      std::promise<void> closed;
      asio::dispatch(executor_, [this, &closed] {
        stack_->close();
        closed.set_value();
      });
      closed.get_future().wait();
    }
  }
  if (runtime_) runtime_->stop();
  stack_.reset();
}

void ThriftClient::applyMethodPolicies(std::string_view service,
                                       const std::vector<IdlMethodPolicy>& idl) {
  std::string methods;
  for (const auto& m : idl) {
    MethodPolicy policy;
    policy.idempotent = m.idempotent || config_.retry.idempotent;
    if (m.timeout_ms > 0) policy.timeout = std::chrono::milliseconds(m.timeout_ms);
    for (const auto& e : m.exceptions) {
      if (e.retryable) policy.retryable_exceptions.push_back(e.field);
    }
    policies_[m.method] = std::move(policy);
    methods += (methods.empty() ? "" : ", ") + std::string(m.method);
  }
  for (const auto& [name, change] : config_.methods) {
    auto it = std::find_if(idl.begin(), idl.end(), [&](const auto& m) { return name == m.method; });
    if (it == idl.end()) {
      throw ConfigError("method policy for '" + name + "': not a function of " +
                        std::string(service) + "; functions: " + methods);
    }
    auto& policy = policies_[name];
    if (change.idempotent) policy.idempotent = *change.idempotent;
    if (change.timeout) policy.timeout = *change.timeout;
    if (change.retryable) {
      policy.retryable_exceptions.clear();
      for (const auto& type : *change.retryable) {
        auto e = std::find_if(it->exceptions.begin(), it->exceptions.end(),
                              [&](const auto& d) { return type == d.type; });
        if (e == it->exceptions.end()) {
          throw ConfigError("method policy for '" + name + "': " + type +
                            " is not an exception it declares");
        }
        policy.retryable_exceptions.push_back(e->field);
      }
    }
  }
  // A policy equal to the retry options' defaults changes nothing: skip the per-call lookup.
  for (const auto& [name, policy] : policies_) {
    policies_matter_ = policies_matter_ || policy.idempotent != config_.retry.idempotent ||
                       policy.timeout || !policy.retryable_exceptions.empty();
  }
}

const MethodPolicy* ThriftClient::methodPolicy(const std::string& method) const {
  auto it = policies_.find(method);
  return it == policies_.end() ? nullptr : &it->second;
}

void ThriftClient::asyncCall(Request request, RpcService::Handler handler) {
  if (!request.policy && policies_matter_) request.policy = methodPolicy(request.method);
  if (request.deadline.isInfinite() && request.policy && request.policy->timeout) {
    request.deadline = Deadline::after(*request.policy->timeout);
  }
  if (request.deadline.isInfinite() && config_.timeout != Duration::max()) {
    request.deadline = Deadline::after(config_.timeout);
  }
  if (!request.hash_key) request.hash_key = HashKeyScope::current();  // read on the caller's thread
  // The stack's top layer (the deadline filter) completes the handler on its associated
  // executor, so the handler goes down as it is.
  asio::dispatch(executor_,
                 [this, request = std::move(request), handler = std::move(handler)]() mutable {
                   stack_->call(std::move(request), std::move(handler));
                 });
}

void ThriftClient::checkHashField(std::string_view service,
                                  std::initializer_list<std::string_view> args) const {
  if (config_.hash_field.empty()) return;
  std::string valid;
  for (auto arg : args) {
    if (arg == config_.hash_field) return;
    valid += (valid.empty() ? "" : ", ") + std::string(arg);
  }
  throw ConfigError("hash_field '" + config_.hash_field + "' is not an argument of any " +
                    std::string(service) +
                    " function; arguments: " + (valid.empty() ? "(none)" : valid));
}

void ThriftClient::checkMayBlock(std::string_view method) const {
  if (onOwnExecutor()) {
    throw UsageError("sync call " + std::string(method) +
                     "() on the client's own executor would deadlock; use the async overload");
  }
}

}  // namespace scales::thrift

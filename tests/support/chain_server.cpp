// SPDX-License-Identifier: Apache-2.0
// One tier of a service chain, in its own process, for the context propagation tests:
//   chain_server --tier NAME [--http] [--next URI] [--async] [--fail] [--max-retries N]
//                [--no-retry-within-retry] [--zipkin URL]
// Each call reports what reached this tier (chain::Hop), then calls the next tier, if any, and
// appends its hops. Over Mux (ThriftServer, sync handler or, with --async, an async one that
// answers from another thread) or, with --http, over HTTP (GET /call?tag=..., JSON hops).
// With --zipkin, spans go to that collector; the tier samples only what its caller sampled.
// Prints "listening <port>"; on SIGTERM exports its spans and exits.
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "Chain.scales.h"
#include "scales/context/inherited.h"
#include "scales/http/client.h"
#include "scales/http/propagation.h"
#include "scales/server/call_deadline.h"
#include "scales/server/thrift_server.h"
#include "scales/tracing/server_span.h"
#include "scales/zipkin/exporters.h"
#include "stop_signals.h"
#include "support/chain_tier.h"
#include "support/http_peer.h"

namespace {
namespace asio = boost::asio;
using scales::testing::hopHere;

struct Flags {
  std::string tier = "tier";
  bool http = false;
  std::string next;
  bool async = false;
  bool fail = false;
  int max_retries = 2;
  bool retry_within_retry = true;
  std::string zipkin;
};

scales::ClientConfig nextConfig(const Flags& flags) {
  scales::ClientConfig config;
  config.name = flags.tier + "->next";
  config.timeout = std::chrono::seconds(10);  // longer than any caller's: the inherited one wins
  config.retry.max_retries = flags.max_retries;
  config.retry.backoff_initial = std::chrono::milliseconds(1);
  config.retry.retry_within_retry = flags.retry_within_retry;
  return config;
}

chain::Unavailable unavailable(const std::string& tier) {
  chain::Unavailable e;
  e.why = tier + " is failing";
  return e;
}

// Calls that reached the tier, by the retry count they carried (scales::server::callRetries()).
class Attempts {
 public:
  void count() {
    std::lock_guard lock(mutex_);
    ++by_retries_[static_cast<int32_t>(scales::server::callRetries())];
  }
  std::map<int32_t, int32_t> get() {
    std::lock_guard lock(mutex_);
    return by_retries_;
  }

 private:
  std::mutex mutex_;
  std::map<int32_t, int32_t> by_retries_;
};

class SyncTier final : public chain::ChainHandler {
 public:
  explicit SyncTier(const Flags& flags) : flags_(flags) {
    if (!flags.next.empty()) next_.emplace(chain::ChainClient::make(flags.next, nextConfig(flags)));
  }
  std::vector<chain::Hop> call(const std::string& tag) override {
    attempts_.count();
    if (flags_.fail) throw unavailable(flags_.tier);
    std::vector<chain::Hop> hops{hopHere(flags_.tier)};
    if (next_) {
      auto rest = next_->call(tag);  // inherits this call's deadline, span and contexts
      hops.insert(hops.end(), rest.begin(), rest.end());
    }
    return hops;
  }
  std::map<int32_t, int32_t> attempts() override { return attempts_.get(); }

 private:
  Flags flags_;
  std::optional<chain::ChainClient> next_;
  Attempts attempts_;
};

// Answers later, from another thread, as an async handler doing I/O does: what it inherits is
// taken along with scales::bindInherited.
class AsyncTier final : public chain::ChainAsyncHandler {
 public:
  explicit AsyncTier(const Flags& flags) : flags_(flags), elsewhere_(2) {
    if (!flags.next.empty()) next_.emplace(chain::ChainClient::make(flags.next, nextConfig(flags)));
  }
  ~AsyncTier() override { elsewhere_.join(); }

  void call(const std::string& tag, scales::server::Reply<std::vector<chain::Hop>> reply) override {
    attempts_.count();
    if (flags_.fail) return reply.fail(std::make_exception_ptr(unavailable(flags_.tier)));
    asio::post(elsewhere_, scales::bindInherited([this, tag, reply = std::move(reply)]() mutable {
                 std::vector<chain::Hop> hops{hopHere(flags_.tier)};
                 if (!next_) return reply(std::move(hops));
                 next_->call(tag,
                             [hops = std::move(hops), reply = std::move(reply)](
                                 std::exception_ptr error, std::vector<chain::Hop> rest) mutable {
                               if (error) return reply.fail(error);
                               hops.insert(hops.end(), rest.begin(), rest.end());
                               reply(std::move(hops));
                             });
               }));
  }
  void attempts(scales::server::Reply<std::map<int32_t, int32_t>> reply) override {
    reply(attempts_.get());
  }

 private:
  Flags flags_;
  std::optional<chain::ChainClient> next_;
  Attempts attempts_;
  asio::thread_pool elsewhere_;
};

std::string httpAnswer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// The HTTP tier: reads what the request carried, makes it current (with this tier's server
// span), and calls the next tier over HTTP inside it.
class HttpTier {
 public:
  explicit HttpTier(const Flags& flags)
      : flags_(flags), peer_([this](const auto& request) { return answer(request); }) {
    if (!flags.next.empty()) next_ = scales::http::Client::make(flags.next, nextConfig(flags));
  }
  std::string address() const { return peer_.address(); }

 private:
  scales::testing::HttpPeer::Answer answer(
      const boost::beast::http::request<boost::beast::http::string_body>& request) {
    scales::Inherited in = scales::http::inboundFromFields(request);
    in.trace = scales::tracing::ServerSpan::idsFor(in.trace);
    auto span = scales::tracing::ServerSpan::begin(in.trace, "GET /call");
    scales::InheritedScope scope(std::move(in));
    nlohmann::json hops = nlohmann::json::array({scales::testing::hopToJson(hopHere(flags_.tier))});
    int status = 200;
    if (next_) {
      auto reply = next_->get(std::string(request.target()));
      status = reply.status;
      if (status == 200) {
        for (auto& hop : nlohmann::json::parse(reply.body)) hops.push_back(hop);
      }
    }
    if (span) span->end(status == 200 ? "" : "status " + std::to_string(status));
    return {httpAnswer(status, hops.dump())};
  }

  Flags flags_;
  std::shared_ptr<scales::http::Client> next_;
  scales::testing::HttpPeer peer_;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--tier") {
      flags.tier = value();
    } else if (arg == "--http") {
      flags.http = true;
    } else if (arg == "--next") {
      flags.next = value();
    } else if (arg == "--async") {
      flags.async = true;
    } else if (arg == "--fail") {
      flags.fail = true;
    } else if (arg == "--max-retries") {
      flags.max_retries = std::stoi(value());
    } else if (arg == "--no-retry-within-retry") {
      flags.retry_within_retry = false;
    } else if (arg == "--zipkin") {
      flags.zipkin = value();
    } else {
      std::cerr << "chain_server: unknown argument " << arg << "\n";
      return 2;
    }
  }
  sigset_t signals = scales::testing::blockStopSignals();
  if (!flags.zipkin.empty()) {
    scales::tracing::TracerOptions options;
    options.service_name = flags.tier;
    options.sample_rate = 0;  // only what the caller sampled
    options.flush_interval = std::chrono::milliseconds(50);
    scales::tracing::install(std::make_shared<scales::tracing::Tracer>(
        options, std::make_shared<scales::zipkin::ZipkinExporter>(flags.zipkin)));
  }
  if (flags.http) {
    HttpTier tier(flags);
    std::cout << "listening " << tier.address().substr(tier.address().rfind(':') + 1) << std::endl;
    scales::testing::waitForStopSignal(signals);
  } else {
    auto dispatcher =
        flags.async ? std::make_shared<chain::ChainDispatcher>(std::make_shared<AsyncTier>(flags))
                    : std::make_shared<chain::ChainDispatcher>(std::make_shared<SyncTier>(flags));
    scales::server::ServerOptions options;
    options.handler_threads = 16;
    scales::server::ThriftServer server(dispatcher, options);
    server.start();
    std::cout << "listening " << server.port() << std::endl;
    scales::testing::waitForStopSignal(signals);
  }
  scales::tracing::install(nullptr);  // exports what is queued
  return 0;
}

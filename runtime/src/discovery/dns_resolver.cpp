// SPDX-License-Identifier: Apache-2.0
// dns://name:port: the name's A and AAAA records, one endpoint per address, looked up again when
// the shortest TTL runs out (within dns_min_refresh..dns_max_refresh).
// dns+srv://_service._proto.name: the SRV records, each target's A and AAAA records, and each
// record's priority and weight carried to the balancer (priority_weighted uses them: lower
// priority first, weight within a priority). Lookups go through c-ares on the client's executor.
// A failed lookup keeps the last good set and is retried after dns_min_refresh; a name that
// exists without records is an empty set with a detail saying so.
#include <netinet/in.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "dns_channel.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "shared_resolver.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;
using Seconds = std::chrono::seconds;

struct Lookup {
  std::string error;  // empty: found (possibly nothing)
  std::vector<Endpoint> endpoints;
  Seconds ttl = Seconds::max();
};

// Collects several lookups that finish in any order; `done` runs after the last.
struct Gather {
  size_t waiting = 0;
  Lookup result;
  std::vector<std::string> errors;
  std::function<void(Lookup, std::vector<std::string>)> done;
  void finish() {
    if (--waiting == 0) done(std::move(result), std::move(errors));
  }
};

class DnsResolver final : public Resolver, public std::enable_shared_from_this<DnsResolver> {
 public:
  DnsResolver(std::string name, uint16_t port, bool srv, asio::any_io_executor executor,
              const ResolverOptions& options)
      : name_(std::move(name)),
        port_(port),
        srv_(srv),
        executor_(std::move(executor)),
        options_(options),
        timer_(executor_) {}

  void start(Listener listener) override {
    listener_ = std::move(listener);
    std::weak_ptr<DnsResolver> weak = shared_from_this();
    try {
      channel_ = DnsChannel::open(executor_, options_.dns_servers);
    } catch (const ConfigError& e) {
      asio::post(executor_, [weak, why = std::string(e.what())] {
        if (auto self = weak.lock(); self && !self->stopped_) self->listener_({{}, why, {}});
      });
      return;
    }
    asio::post(executor_, [weak] {
      if (auto self = weak.lock(); self && !self->stopped_) self->lookup();
    });
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (channel_) channel_->close();
  }

 private:
  std::string what() const { return (srv_ ? "dns+srv://" : "dns://") + name_; }

  void lookup() {
    std::weak_ptr<DnsResolver> weak = shared_from_this();
    auto finished = [weak](Lookup result, std::string detail) {
      if (auto self = weak.lock(); self && !self->stopped_) {
        self->onLookup(std::move(result), std::move(detail));
      }
    };
    if (!srv_) {
      resolveHost(name_, Endpoint{{}, port_}, [finished](Lookup result) {
        std::string detail = result.endpoints.empty() ? "no A or AAAA records" : "";
        finished(std::move(result), detail);
      });
      return;
    }
    channel_->services(
        name_,
        [this, weak, finished](std::string error, std::vector<DnsService> services, Seconds ttl) {
          auto self = weak.lock();
          if (!self || stopped_) return;
          if (!error.empty()) return finished(Lookup{error, {}, {}}, "");
          if (services.empty()) return finished(Lookup{{}, {}, ttl}, "no SRV records");
          auto gather = std::make_shared<Gather>();
          gather->waiting = services.size();
          gather->result.ttl = ttl;
          gather->done = [finished](Lookup all, std::vector<std::string> errors) {
            std::string detail;
            for (auto& e : errors) detail += (detail.empty() ? "" : "; ") + e;
            // Targets that failed are left out; only when every one failed is it an error.
            if (all.endpoints.empty() && !errors.empty()) all.error = detail;
            std::string why = all.endpoints.empty() ? "SRV targets have no addresses" : "";
            finished(std::move(all), why);
          };
          for (const auto& service : services) {
            // SRV weight 0 means "rarely, when others exist": a small positive weight does that.
            Endpoint model{{},
                           service.port,
                           service.weight == 0 ? 0.01 : static_cast<double>(service.weight),
                           service.priority};
            resolveHost(service.target, model, [gather, target = service.target](Lookup found) {
              if (!found.error.empty()) gather->errors.push_back(target + ": " + found.error);
              for (auto& e : found.endpoints) gather->result.endpoints.push_back(std::move(e));
              gather->result.ttl = std::min(gather->result.ttl, found.ttl);
              gather->finish();
            });
          }
        });
  }

  // A and AAAA records of `host`, each becoming `model` with that address.
  void resolveHost(const std::string& host, Endpoint model, std::function<void(Lookup)> done) {
    auto gather = std::make_shared<Gather>();
    gather->waiting = 2;
    gather->done = [done = std::move(done), host](Lookup found, std::vector<std::string> errors) {
      if (found.endpoints.empty() && !errors.empty()) found.error = errors.front();
      done(std::move(found));
    };
    for (int family : {AF_INET, AF_INET6}) {
      channel_->addresses(host, family,
                          [gather, model](std::string error, std::vector<DnsAddress> addresses) {
                            if (!error.empty()) gather->errors.push_back(std::move(error));
                            for (auto& address : addresses) {
                              Endpoint endpoint = model;
                              endpoint.host = std::move(address.address);
                              gather->result.endpoints.push_back(std::move(endpoint));
                              gather->result.ttl = std::min(gather->result.ttl, address.ttl);
                            }
                            gather->finish();
                          });
    }
  }

  void onLookup(Lookup result, std::string detail) {
    Duration next = options_.dns_min_refresh;
    if (!result.error.empty()) {
      listener_({{}, "looking up " + what() + ": " + result.error, {}});
      delivered_.reset();
    } else {
      std::sort(result.endpoints.begin(), result.endpoints.end());
      result.endpoints.erase(std::unique(result.endpoints.begin(), result.endpoints.end()),
                             result.endpoints.end());
      if (!delivered_ || *delivered_ != result.endpoints) {
        ResolverUpdate update{result.endpoints, {}, {}};
        if (update.endpoints.empty()) update.detail = what() + ": " + detail;
        listener_(update);
        delivered_ = std::move(result.endpoints);
      }
      Duration ttl = result.ttl == Seconds::max() ? options_.dns_max_refresh : Duration(result.ttl);
      next = std::clamp(ttl, options_.dns_min_refresh,
                        std::max(options_.dns_min_refresh, options_.dns_max_refresh));
    }
    std::weak_ptr<DnsResolver> weak = shared_from_this();
    timer_.expires_after(next);
    timer_.async_wait([weak](boost::system::error_code ec) {
      if (auto self = weak.lock(); !ec && self && !self->stopped_) self->lookup();
    });
  }

  std::string name_;
  uint16_t port_;
  bool srv_;
  asio::any_io_executor executor_;
  ResolverOptions options_;
  asio::steady_timer timer_;
  Listener listener_;
  std::shared_ptr<DnsChannel> channel_;
  std::optional<std::vector<Endpoint>> delivered_;  // the last set given to the listener
  bool stopped_ = false;
};

void requireNoPath(const Uri& uri) {
  if (!uri.path.empty() && uri.path != "/") {
    throw ConfigError("bad URI '" + uri.text + "': " + uri.scheme + ":// takes no path");
  }
}

}  // namespace

std::unique_ptr<Resolver> resolvers::dns(const Uri& uri, Executor executor,
                                         const ResolverOptions& options) {
  requireNoPath(uri);
  if (uri.authority.find(',') != std::string::npos) {
    throw ConfigError("bad URI '" + uri.text + "': dns:// takes one name:port");
  }
  auto target = parseHostPort(uri.authority, uri.text);
  return std::make_unique<SharedResolver<DnsResolver>>(
      std::make_shared<DnsResolver>(target.host, target.port, false, std::move(executor), options));
}

std::unique_ptr<Resolver> resolvers::dnsSrv(const Uri& uri, Executor executor,
                                            const ResolverOptions& options) {
  requireNoPath(uri);
  if (uri.authority.empty() || uri.authority.find(':') != std::string::npos ||
      uri.authority.find(',') != std::string::npos) {
    throw ConfigError("bad URI '" + uri.text +
                      "': dns+srv:// takes one SRV name and no port, e.g. "
                      "dns+srv://_thrift._tcp.example.com (the records carry the ports)");
  }
  return std::make_unique<SharedResolver<DnsResolver>>(
      std::make_shared<DnsResolver>(uri.authority, 0, true, std::move(executor), options));
}

}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
// inet://host:port (Finagle's inet!host:port): the host name is resolved once, by the system
// resolver (/etc/hosts, nsswitch, DNS) on Asio's resolver thread, and every address it gives
// becomes an endpoint. For names whose addresses change, use dns://, which follows TTLs.
#include <boost/asio/ip/tcp.hpp>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Lookup {
  explicit Lookup(asio::any_io_executor executor) : resolver(std::move(executor)) {}
  tcp::resolver resolver;
  Resolver::Listener listener;
  bool stopped = false;
};

class InetResolver final : public Resolver {
 public:
  InetResolver(const Uri& uri, asio::any_io_executor executor)
      : lookup_(std::make_shared<Lookup>(std::move(executor))) {
    if (!uri.path.empty() && uri.path != "/") {
      throw ConfigError("bad URI '" + uri.text + "': inet:// takes no path");
    }
    if (uri.authority.find(',') != std::string::npos) {
      throw ConfigError("bad URI '" + uri.text +
                        "': inet:// takes one host:port (use tcp:// for a list)");
    }
    target_ = parseHostPort(uri.authority, uri.text);
  }
  ~InetResolver() override { stop(); }

  void start(Listener listener) override {
    lookup_->listener = std::move(listener);
    lookup_->resolver.async_resolve(
        target_.host, std::to_string(target_.port),
        [lookup = lookup_, target = target_](boost::system::error_code ec,
                                             tcp::resolver::results_type results) {
          if (lookup->stopped) return;
          ResolverUpdate update;
          if (ec) {
            update.error = "resolving " + target.host + ": " + ec.message();
          } else {
            for (const auto& entry : results) {
              Endpoint endpoint{entry.endpoint().address().to_string(), target.port};
              if (std::find(update.endpoints.begin(), update.endpoints.end(), endpoint) ==
                  update.endpoints.end()) {
                update.endpoints.push_back(std::move(endpoint));
              }
            }
          }
          lookup->listener(update);
        });
  }

  void stop() override {
    lookup_->stopped = true;
    lookup_->resolver.cancel();
  }

 private:
  HostPort target_;
  std::shared_ptr<Lookup> lookup_;
};

}  // namespace

std::unique_ptr<Resolver> resolvers::inet(const Uri& uri, Executor executor,
                                          const ResolverOptions&) {
  return std::make_unique<InetResolver>(uri, std::move(executor));
}

}  // namespace scales::discovery

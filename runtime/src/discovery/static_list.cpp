// SPDX-License-Identifier: Apache-2.0
// tcp://host:port,host:port: a fixed endpoint list, validated at construction, delivered once.
#include <boost/asio/post.hpp>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {
namespace {

class StaticListResolver final : public Resolver {
 public:
  StaticListResolver(const Uri& uri, boost::asio::any_io_executor executor)
      : executor_(std::move(executor)) {
    if (!uri.path.empty() && uri.path != "/") {
      throw ConfigError("bad URI '" + uri.text + "': tcp:// takes no path (got '" + uri.path +
                        "')");
    }
    if (uri.authority.empty()) {
      throw ConfigError("bad URI '" + uri.text + "': tcp:// needs at least one host:port");
    }
    for (auto& hp : parseHostList(uri.authority, uri.text)) {
      endpoints_.push_back(Endpoint{std::move(hp.host), hp.port});
    }
  }

  void start(Listener listener) override {
    stopped_ = std::make_shared<bool>(false);
    boost::asio::post(executor_, [listener = std::move(listener), stopped = stopped_,
                                  update = ResolverUpdate{endpoints_, {}, {}}] {
      if (!*stopped) listener(update);
    });
  }

  void stop() override {
    if (stopped_) *stopped_ = true;
  }

 private:
  boost::asio::any_io_executor executor_;
  std::vector<Endpoint> endpoints_;
  std::shared_ptr<bool> stopped_;
};

}  // namespace

std::unique_ptr<Resolver> resolvers::staticList(const Uri& uri, Executor executor,
                                                const ResolverOptions&) {
  return std::make_unique<StaticListResolver>(uri, std::move(executor));
}

}  // namespace scales::discovery

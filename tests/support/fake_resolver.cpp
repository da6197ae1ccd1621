// SPDX-License-Identifier: Apache-2.0
#include "support/fake_resolver.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using discovery::Resolver;
using discovery::ResolverUpdate;

// One started resolver: where and to whom its updates go.
struct Subscriber {
  Subscriber(asio::any_io_executor ex, Resolver::Listener l)
      : executor(std::move(ex)), listener(std::move(l)) {}
  asio::any_io_executor executor;
  Resolver::Listener listener;
  std::atomic<bool> stopped{false};
};

struct Name {
  std::optional<ResolverUpdate> latest;  // what a resolver started now gets first
  std::vector<std::shared_ptr<Subscriber>> subscribers;
};

struct Table {
  std::mutex mutex;
  std::map<std::string, Name> names;
};

// Never destroyed: resolvers may stop while statics are torn down.
Table& table() {
  static auto* t = new Table;
  return *t;
}

// Called with the table locked, so that updates of one name are posted in publish order (an
// io_context or strand runs posted handlers in that order).
void deliver(const std::shared_ptr<Subscriber>& subscriber, ResolverUpdate update) {
  asio::post(subscriber->executor, [subscriber, update = std::move(update)] {
    if (!subscriber->stopped.load()) subscriber->listener(update);
  });
}

void broadcast(const std::string& name, ResolverUpdate update) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  Name& entry = t.names[name];
  entry.latest = update;
  for (auto& subscriber : entry.subscribers) deliver(subscriber, update);
}

class FakeResolver final : public Resolver {
 public:
  FakeResolver(std::string name, asio::any_io_executor executor)
      : name_(std::move(name)), executor_(std::move(executor)) {}
  ~FakeResolver() override { stop(); }

  void start(Listener listener) override {
    stop();  // a second start() replaces the first subscription
    auto subscriber = std::make_shared<Subscriber>(executor_, std::move(listener));
    auto& t = table();
    std::lock_guard lock(t.mutex);
    Name& entry = t.names[name_];
    entry.subscribers.push_back(subscriber);
    if (entry.latest) deliver(subscriber, *entry.latest);  // posted: never inline
    subscriber_ = std::move(subscriber);
  }

  void stop() override {
    if (!subscriber_) return;
    subscriber_->stopped.store(true);  // deliveries already posted now do nothing
    auto& t = table();
    std::lock_guard lock(t.mutex);
    auto& subscribers = t.names[name_].subscribers;
    subscribers.erase(std::remove(subscribers.begin(), subscribers.end(), subscriber_),
                      subscribers.end());
    subscriber_.reset();
  }

 private:
  std::string name_;
  asio::any_io_executor executor_;
  std::shared_ptr<Subscriber> subscriber_;
};

std::unique_ptr<Resolver> makeFakeResolver(const discovery::Uri& uri,
                                           asio::any_io_executor executor,
                                           const discovery::ResolverOptions&) {
  if (uri.authority.empty()) {
    throw ConfigError("bad URI '" + uri.text + "': fake:// needs a name, e.g. fake://backends");
  }
  if (!uri.path.empty() && uri.path != "/") {
    throw ConfigError("bad URI '" + uri.text + "': fake:// takes no path (got '" + uri.path + "')");
  }
  return std::make_unique<FakeResolver>(uri.authority, std::move(executor));
}

}  // namespace

void FakeDiscovery::publish(const std::string& name, std::vector<discovery::Endpoint> endpoints) {
  ResolverUpdate update;
  update.endpoints = std::move(endpoints);
  if (update.endpoints.empty()) update.detail = "fake://" + name + " was published empty";
  broadcast(name, std::move(update));
}

void FakeDiscovery::fail(const std::string& name, std::string error) {
  ResolverUpdate update;
  update.error = error.empty() ? "fake://" + name + " failed" : std::move(error);
  broadcast(name, std::move(update));
}

void FakeDiscovery::clear(const std::string& name) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  t.names[name].latest.reset();
}

size_t FakeDiscovery::liveResolvers(const std::string& name) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  auto it = t.names.find(name);
  return it == t.names.end() ? 0 : it->second.subscribers.size();
}

void registerFakeResolver() {
  static std::once_flag once;
  std::call_once(once, [] { discovery::registerResolver("fake", makeFakeResolver); });
}

}  // namespace scales::testing

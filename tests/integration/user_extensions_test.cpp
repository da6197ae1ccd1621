// SPDX-License-Identifier: Apache-2.0
// What users add from outside the library: a layer of their own (the examples' auth filter) on
// ThriftMux and HTTP clients, per-endpoint layers, a replaced built-in layer, and their own
// resolver scheme and balancer, registered by name.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>

#include "auth_filter.h"
#include "scales/balancer/balancers.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/http/client.h"
#include "scales/thrift/client.h"
#include "support/http_peer.h"
#include "support/mux_peer.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;

std::string contextValue(const mux::Tdispatch& d, std::string_view key) {
  for (const auto& [k, v] : d.contexts) {
    if (k == key) return v;
  }
  return "<missing>";
}

std::future<Response> rawCall(thrift::ThriftClient& client, const std::string& payload) {
  auto reply = std::make_shared<std::promise<Response>>();
  Request request;
  request.method = "raw";
  request.payload = payload;
  client.asyncCall(std::move(request), [reply](std::exception_ptr e, Response r) {
    if (e) return reply->set_exception(e);
    reply->set_value(std::move(r));
  });
  return reply->get_future();
}

// A token source the test rotates between calls.
struct Tokens {
  std::mutex mutex;
  std::string current = "first";
  std::string get() {
    std::lock_guard lock(mutex);
    return current;
  }
  void set(std::string token) {
    std::lock_guard lock(mutex);
    current = std::move(token);
  }
};

ClientConfig withAuth(const std::shared_ptr<Tokens>& tokens) {
  ClientConfig config;
  config.layers.insertBefore("retry", "auth",
                             examples::authFilter([tokens] { return tokens->get(); }));
  return config;
}

TEST(UserLayers, AuthFilterSendsItsTokenAsAMuxContextOnEveryCall) {
  MuxPeer peer;
  auto tokens = std::make_shared<Tokens>();
  auto client = thrift::ThriftClient::make(peer.uri(), withAuth(tokens));
  auto layers = client->layers();
  ASSERT_GE(layers.size(), 4u);
  EXPECT_EQ(layers[0], "deadline");
  EXPECT_EQ(layers[1], "trace");
  EXPECT_EQ(layers[2], "auth");
  EXPECT_EQ(layers[3], "retry");

  auto first = rawCall(*client, "one");
  auto conn = peer.accept();
  auto d1 = std::get<mux::Tdispatch>(conn->read());
  EXPECT_EQ(contextValue(d1, "authorization"), "Bearer first");
  conn->send(mux::Rdispatch{d1.tag, mux::ReplyStatus::kOk, {}, "r1"});
  EXPECT_EQ(first.get().payload, "r1");

  tokens->set("rotated");
  auto second = rawCall(*client, "two");
  auto d2 = std::get<mux::Tdispatch>(conn->read());
  EXPECT_EQ(contextValue(d2, "authorization"), "Bearer rotated");
  conn->send(mux::Rdispatch{d2.tag, mux::ReplyStatus::kOk, {}, "r2"});
  EXPECT_EQ(second.get().payload, "r2");
}

HttpPeer::Answer ok(const std::string& body) {
  return {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
          false};
}

TEST(UserLayers, AuthFilterSendsItsTokenAsAnHttpHeader) {
  HttpPeer peer([](const auto& request) {
    auto it = request.find("authorization");
    return ok(it == request.end() ? "<missing>" : std::string(it->value()));
  });
  auto tokens = std::make_shared<Tokens>();
  auto client = http::Client::make("tcp://" + peer.address(), withAuth(tokens));
  EXPECT_EQ(client->get("/").body, "Bearer first");
  tokens->set("rotated");
  EXPECT_EQ(client->get("/").body, "Bearer rotated");
}

// A context entry HTTP cannot carry is the caller's mistake, reported as such; the connection
// and the client go on.
TEST(UserLayers, HttpRefusesAContextThatIsNotAValidHeader) {
  HttpPeer peer([](const auto&) { return ok("fine"); });
  ClientConfig config;
  std::atomic<bool> bad{true};
  config.layers.insertBefore("retry", "bad_header",
                             [&bad](std::unique_ptr<RpcService> next, const client::LayerContext&) {
                               class Bad final : public RpcFilter {
                                public:
                                 Bad(std::unique_ptr<RpcService> n, std::atomic<bool>& on)
                                     : RpcFilter(std::move(n)), on_(on) {}
                                 void call(Request&& r, Handler&& h) override {
                                   if (on_) r.context.emplace_back("x-evil", "a\r\nInjected: 1");
                                   next().call(std::move(r), std::move(h));
                                 }

                                private:
                                 std::atomic<bool>& on_;
                               };
                               return std::make_unique<Bad>(std::move(next), bad);
                             });
  auto client = http::Client::make("tcp://" + peer.address(), config);
  EXPECT_THROW(client->get("/"), UsageError);
  bad = false;
  EXPECT_EQ(client->get("/").body, "fine");
}

// A layer below the balancer is made once per endpoint and sees which one.
TEST(UserLayers, PerEndpointLayersAreMadeForEachEndpoint) {
  HttpPeer a([](const auto&) { return ok("a"); });
  HttpPeer b([](const auto&) { return ok("b"); });
  auto seen = std::make_shared<std::mutex>();
  auto endpoints = std::make_shared<std::vector<std::string>>();
  ClientConfig config;
  config.balancer = "round_robin";
  config.layers.insertAfter(
      "balancer", "endpoint_probe",
      [seen, endpoints](std::unique_ptr<RpcService> next, const client::LayerContext& context) {
        std::lock_guard lock(*seen);
        EXPECT_NE(context.endpoint, nullptr);
        if (context.endpoint) endpoints->push_back(context.endpoint->address());
        return next;
      });
  auto client = http::Client::make("tcp://" + a.address() + "," + b.address(), config);
  std::set<std::string> bodies;
  for (int i = 0; i < 4; ++i) bodies.insert(client->get("/").body);
  EXPECT_EQ(bodies, (std::set<std::string>{"a", "b"}));
  std::lock_guard lock(*seen);
  EXPECT_EQ(std::set<std::string>(endpoints->begin(), endpoints->end()),
            (std::set<std::string>{a.address(), b.address()}));
  EXPECT_EQ(endpoints->size(), 2u);
}

// Replacing a built-in layer: the user's takes its place (here, a breaker that refuses all).
TEST(UserLayers, ReplacedLayerRunsInsteadOfTheBuiltIn) {
  HttpPeer peer([](const auto&) { return ok("fine"); });
  ClientConfig config;
  config.retry.max_requeues = 0;
  config.layers.replace("circuit_breaker", [](std::unique_ptr<RpcService>,
                                              const client::LayerContext& context) {
    class Refuse final : public RpcService {
     public:
      explicit Refuse(asio::any_io_executor ex) : ex_(std::move(ex)) {}
      void call(Request&&, Handler&& h) override {
        asio::post(ex_, [h = std::move(h)]() mutable {
          h(std::make_exception_ptr(RejectedError("refused by the user's breaker")), Response{});
        });
      }

     private:
      asio::any_io_executor ex_;
    };
    return std::make_unique<Refuse>(context.executor);
  });
  auto client = http::Client::make("tcp://" + peer.address(), config);
  try {
    client->get("/");
    FAIL() << "the built-in layer ran";
  } catch (const RejectedError& e) {
    EXPECT_NE(std::string(e.what()).find("user's breaker"), std::string::npos) << e.what();
  }
  EXPECT_EQ(peer.requests(), 0);
}

// A resolver scheme of the user's own: "pinned://NAME" names one of the test's peers.
class PinnedResolver final : public discovery::Resolver {
 public:
  PinnedResolver(discovery::Endpoint endpoint, asio::any_io_executor executor)
      : endpoint_(std::move(endpoint)), executor_(std::move(executor)) {}
  void start(Listener listener) override {
    asio::post(executor_, [listener = std::move(listener), stopped = stopped_, e = endpoint_] {
      if (!*stopped) listener(discovery::ResolverUpdate{{e}, {}, {}});
    });
  }
  void stop() override { *stopped_ = true; }

 private:
  discovery::Endpoint endpoint_;
  asio::any_io_executor executor_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

std::mutex pinned_mutex;
std::map<std::string, discovery::Endpoint> pinned;

void registerPinnedOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    discovery::registerResolver(
        "pinned",
        [](const discovery::Uri& uri, asio::any_io_executor ex,
           const discovery::ResolverOptions&) -> std::unique_ptr<discovery::Resolver> {
          std::lock_guard lock(pinned_mutex);
          auto it = pinned.find(uri.authority);
          if (it == pinned.end()) {
            throw ConfigError("bad URI '" + uri.text + "': nothing pinned as '" + uri.authority +
                              "'");
          }
          return std::make_unique<PinnedResolver>(it->second, std::move(ex));
        });
  });
}

TEST(UserRegistries, ResolverSchemeRegisteredOutsideTheLibraryServesClients) {
  HttpPeer peer([](const auto&) { return ok("pinned"); });
  registerPinnedOnce();
  {
    std::lock_guard lock(pinned_mutex);
    auto colon = peer.address().rfind(':');
    pinned["web"] =
        discovery::Endpoint{peer.address().substr(0, colon),
                            static_cast<uint16_t>(std::stoi(peer.address().substr(colon + 1)))};
  }
  auto client = http::Client::make("pinned://web?timeout_ms=2000");
  EXPECT_EQ(client->get("/").body, "pinned");
  EXPECT_TRUE(discovery::resolverRegistry().contains("pinned"));
  // Its own validation reaches the caller as any scheme's does.
  EXPECT_THROW(http::Client::make("pinned://nobody"), ConfigError);
  // A scheme is registered once.
  EXPECT_THROW(discovery::registerResolver("pinned", nullptr), ConfigError);
  EXPECT_THROW(discovery::registerResolver("tcp", nullptr), ConfigError);
}

TEST(UserRegistries, BalancerRegisteredOutsideTheLibraryIsChosenByName) {
  static std::once_flag once;
  static std::atomic<int> made{0};
  std::call_once(once, [] {
    balancer::registerBalancer("counting_round_robin", [](const balancer::BalancerOptions& o) {
      ++made;
      return balancer::balancers::roundRobin(o);
    });
  });
  HttpPeer peer([](const auto&) { return ok("fine"); });
  int before = made;
  auto client = http::Client::make("tcp://" + peer.address() + "?balancer=counting_round_robin");
  EXPECT_EQ(client->get("/").body, "fine");
  EXPECT_EQ(made, before + 1);
  EXPECT_EQ(client->config().balancer, "counting_round_robin");
}

}  // namespace
}  // namespace scales::testing

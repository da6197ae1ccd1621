// SPDX-License-Identifier: Apache-2.0
// A run of watchers (client/endpoint/watcher.h) behaves as the nested layers it stands for:
// watchers see a call start top-down and end bottom-up, with the reply the layers below left; one
// that refuses a call ends it for the watchers above (never inline) and hides it from those
// below; and the node's own run keeps the node alive until the call ends, then tells it.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string>
#include <vector>

#include "client/endpoint/watcher.h"
#include "client/endpoint_node.h"
#include "scales/core/errors.h"
#include "scales/resilience/timeout.h"

namespace scales::client::endpoint {
namespace {
namespace asio = boost::asio;

// Writes "name+" when a call starts and "name-<reply or error>" when it ends.
class Logging final : public Watcher {
 public:
  Logging(std::string name, std::vector<std::string>& log, bool refuse = false)
      : name_(std::move(name)), log_(log), refuse_(refuse) {}

  std::exception_ptr start(Request&, WatchedCall&) override {
    log_.push_back(name_ + "+");
    if (refuse_) return std::make_exception_ptr(UnavailableError(name_ + " refuses"));
    return nullptr;
  }
  void finish(WatchedCall& call, const Outcome& outcome) override {
    EXPECT_GE(outcome.at, call.started);
    log_.push_back(name_ + "-" + (outcome.error ? describe(outcome.error) : outcome.reply.payload));
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  bool refuse_;
};

// The layers below: answers every call with its payload, reversed, from the event loop.
class Below final : public RpcService {
 public:
  explicit Below(asio::io_context& io, std::vector<std::string>& log) : io_(io), log_(log) {}
  void call(Request&& request, Handler&& handler) override {
    log_.push_back("below");
    std::string reply(request.payload.rbegin(), request.payload.rend());
    asio::post(io_, [handler = std::move(handler), reply]() mutable {
      handler(nullptr, Response{reply, {}});
    });
  }

 private:
  asio::io_context& io_;
  std::vector<std::string>& log_;
};

std::vector<std::unique_ptr<Watcher>> watchers(std::vector<std::string>& log,
                                               const std::string& refuser = "") {
  std::vector<std::unique_ptr<Watcher>> run;
  for (const char* name : {"a", "b", "c"}) {
    run.push_back(std::make_unique<Logging>(name, log, name == refuser));
  }
  return run;
}

TEST(WatcherRun, WatchersSeeACallStartTopDownAndEndBottomUp) {
  asio::io_context io;
  std::vector<std::string> log;
  WatcherRun run(std::make_unique<Below>(io, log), watchers(log), io.get_executor());
  std::string reply;
  Request request;
  request.payload = "xyz";
  run.call(std::move(request), [&](std::exception_ptr error, Response response) {
    EXPECT_FALSE(error);
    log.push_back("handler");
    reply = response.payload;
  });
  io.run();
  EXPECT_EQ(reply, "zyx");
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+", "c+", "below", "c-zyx", "b-zyx", "a-zyx",
                                           "handler"}));
}

TEST(WatcherRun, ARefusalEndsTheCallForTheWatchersAboveOnlyAndNeverInline) {
  asio::io_context io;
  std::vector<std::string> log;
  WatcherRun run(std::make_unique<Below>(io, log), watchers(log, "b"), io.get_executor());
  std::exception_ptr error;
  bool done = false;
  run.call(Request{}, [&](std::exception_ptr e, Response) {
    error = e;
    done = true;
  });
  EXPECT_FALSE(done);  // not inside call()
  io.run();
  ASSERT_TRUE(done);
  EXPECT_THROW(std::rethrow_exception(error), UnavailableError);
  EXPECT_EQ(log, (std::vector<std::string>{"a+", "b+", "a-" + describe(error)}));
}

TEST(WatcherRun, TheNodesRunHoldsTheNodeUntilTheCallEndsAndTellsItThen) {
  asio::io_context io;
  std::vector<std::string> log;
  auto node = std::make_shared<EndpointNode>(discovery::Endpoint{.host = "127.0.0.1", .port = 1},
                                             std::chrono::seconds(10), nullptr);
  auto in_flight = std::make_shared<resilience::CallsInFlight>();
  node->countCallsIn(in_flight);
  node->setLayers(std::make_unique<WatcherRun>(std::make_unique<Below>(io, log), watchers(log),
                                               io.get_executor()));
  std::weak_ptr<EndpointNode> alive = node;
  size_t counted_at_the_end = 99;
  node->call(Request{}, [&](std::exception_ptr error, Response) {
    EXPECT_FALSE(error);
    counted_at_the_end = in_flight->count;
    EXPECT_FALSE(alive.expired());  // still held while the handler runs
  });
  EXPECT_EQ(in_flight->count, 1u);
  node.reset();
  EXPECT_FALSE(alive.expired());  // the call holds it
  io.run();
  EXPECT_EQ(counted_at_the_end, 0u);  // told before the handler ran
  EXPECT_TRUE(alive.expired());
  EXPECT_EQ(log.back(), "a-");
}

}  // namespace
}  // namespace scales::client::endpoint

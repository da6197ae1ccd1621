// SPDX-License-Identifier: Apache-2.0
// The per-endpoint concurrency limit, in both modes, over a service whose calls the test answers.
#include "scales/resilience/concurrency_limit.h"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
namespace asio = boost::asio;

struct HeldCalls : RpcService {
  void call(Request&& request, Handler&& handler) override {
    held->push_back({std::move(request), std::move(handler)});
  }
  // Like a real pool: closing fails the calls still out (their completions own the limiter).
  void close() override {
    auto calls = std::move(*held);
    held->clear();
    for (auto& [request, handler] : calls) {
      handler(std::make_exception_ptr(UnavailableError("closed")), Response{});
    }
  }
  std::shared_ptr<std::deque<std::pair<Request, Handler>>> held =
      std::make_shared<std::deque<std::pair<Request, Handler>>>();
};

struct Outcome {
  bool done = false;
  std::exception_ptr error;
  std::string payload;
};

class ConcurrencyLimitTest : public ::testing::Test {
 protected:
  std::unique_ptr<RpcService> make(ConcurrencyLimitOptions options) {
    auto below = std::make_unique<HeldCalls>();
    held = below->held;
    return concurrencyLimit(std::move(below), options, "10.0.0.1:9090", io.get_executor(),
                            {shadow_refusals, nullptr});
  }
  std::shared_ptr<Outcome> send(RpcService& s, std::string payload,
                                asio::cancellation_signal* cancel = nullptr) {
    auto out = std::make_shared<Outcome>();
    Request r;
    r.payload = std::move(payload);
    auto handler = [out](std::exception_ptr e, Response resp) {
      out->done = true;
      out->error = e;
      out->payload = resp.payload;
    };
    if (cancel) {
      s.call(std::move(r), asio::bind_cancellation_slot(cancel->slot(), std::move(handler)));
    } else {
      s.call(std::move(r), std::move(handler));
    }
    return out;
  }
  void answerOldest() {
    auto [request, handler] = std::move(held->front());
    held->pop_front();
    handler(nullptr, Response{request.payload});
  }
  asio::io_context io;
  std::shared_ptr<std::deque<std::pair<Request, RpcService::Handler>>> held;
  std::shared_ptr<metrics::Counter> shadow_refusals = std::make_shared<metrics::Counter>();
};

TEST_F(ConcurrencyLimitTest, ShadowModeNeitherQueuesNorRefusesButCountsWhatItWouldHaveRefused) {
  auto s = make({.max_concurrency = 1, .max_queue = 1, .shadow = true});
  std::vector<std::shared_ptr<Outcome>> calls;
  for (const char* p : {"a", "b", "c", "d"}) calls.push_back(send(*s, p));
  EXPECT_EQ(held->size(), 4u) << "every call went on at once";
  // With one in flight and one queued, the limit would have refused c and d.
  EXPECT_EQ(shadow_refusals->value(), 2);
  while (!held->empty()) answerOldest();
  for (auto& c : calls) EXPECT_TRUE(c->done && !c->error);
  send(*s, "e");
  EXPECT_EQ(shadow_refusals->value(), 2) << "nothing in flight: within the limit";
}

TEST_F(ConcurrencyLimitTest, RejectModeRefusesTheCallBeyondTheLimitAtOnce) {
  auto s = make({.max_concurrency = 2, .max_queue = 0});
  send(*s, "a");
  send(*s, "b");
  auto c = send(*s, "c");
  EXPECT_EQ(held->size(), 2u);
  io.run();
  ASSERT_TRUE(c->done);
  try {
    std::rethrow_exception(c->error);
  } catch (const RejectedError& e) {
    EXPECT_NE(std::string(e.what()).find("maximum concurrency reached"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("10.0.0.1:9090"), std::string::npos);
  }
  answerOldest();  // a slot frees: the next call goes through
  send(*s, "d");
  EXPECT_EQ(held->size(), 2u);
}

TEST_F(ConcurrencyLimitTest, QueueModeDispatchesInOrderAsSlotsFree) {
  auto s = make({.max_concurrency = 1, .max_queue = 2});
  auto a = send(*s, "a");
  auto b = send(*s, "b");
  auto c = send(*s, "c");
  auto d = send(*s, "d");  // queue full
  io.run();
  ASSERT_TRUE(d->done);
  EXPECT_THROW(std::rethrow_exception(d->error), RejectedError);
  EXPECT_EQ(held->size(), 1u);
  answerOldest();
  EXPECT_EQ(a->payload, "a");
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front().first.payload, "b");
  answerOldest();
  answerOldest();
  EXPECT_EQ(b->payload, "b");
  EXPECT_EQ(c->payload, "c");
  EXPECT_TRUE(held->empty());
}

TEST_F(ConcurrencyLimitTest, AQueuedCallCanBeCancelled) {
  auto s = make({.max_concurrency = 1, .max_queue = 4});
  send(*s, "a");
  asio::cancellation_signal cancel;
  auto b = send(*s, "b", &cancel);
  cancel.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(b->done);
  EXPECT_THROW(std::rethrow_exception(b->error), CancelledError);
  answerOldest();
  EXPECT_TRUE(held->empty());  // the cancelled call never went down
}

TEST_F(ConcurrencyLimitTest, CloseFailsQueuedCalls) {
  auto s = make({.max_concurrency = 1, .max_queue = 4});
  send(*s, "a");
  auto b = send(*s, "b");
  s->close();
  io.run();
  ASSERT_TRUE(b->done);
  EXPECT_THROW(std::rethrow_exception(b->error), UnavailableError);
}

TEST_F(ConcurrencyLimitTest, NoLimitAddsNoLayer) {
  auto below = std::make_unique<HeldCalls>();
  RpcService* raw = below.get();
  auto s = concurrencyLimit(std::move(below), {}, "x", io.get_executor());
  EXPECT_EQ(s.get(), raw);
}

}  // namespace
}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// The watermark pool's bookkeeping, over in-memory connections whose calls the test completes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>

#include "scales/core/errors.h"
#include "scales/pool/pool.h"

namespace scales::pool {
namespace {
namespace asio = boost::asio;

struct FakeConnection : transport::Connection {
  bool isOpen() const override { return open; }
  void close() override { open = false; }
  void call(Request&& request, Handler&& handler) override {
    ++calls;
    pending.push_back({std::move(request), std::move(handler)});
  }
  // Answers the oldest call with its own payload.
  void answer() {
    auto [request, handler] = std::move(pending.front());
    pending.pop_front();
    handler(nullptr, Response{request.payload});
  }
  bool open = true;
  int calls = 0;
  std::deque<std::pair<Request, Handler>> pending;
};

struct FakeFactory : transport::ConnectionFactory {
  explicit FakeFactory(asio::io_context& context) : io(context) {}
  void connect(Deadline, transport::ConnectHandler handler) override {
    ++connects;
    asio::post(io, [this, handler = std::move(handler)]() mutable {
      if (fail) return handler(std::make_exception_ptr(ConnectionError("refused")), nullptr);
      auto c = std::make_shared<FakeConnection>();
      made.push_back(c);
      handler(nullptr, c);
    });
  }
  asio::io_context& io;
  bool fail = false;
  int connects = 0;
  std::vector<std::shared_ptr<FakeConnection>> made;
};

struct Outcome {
  bool done = false;
  std::exception_ptr error;
  std::string payload;
};

class WatermarkPoolTest : public ::testing::Test {
 protected:
  std::shared_ptr<Outcome> send(Pool& pool, const std::string& payload) {
    auto out = std::make_shared<Outcome>();
    Request r;
    r.payload = payload;
    pool.call(std::move(r), [out](std::exception_ptr e, Response resp) {
      out->done = true;
      out->error = e;
      out->payload = resp.payload;
    });
    return out;
  }
  asio::io_context io;
  std::shared_ptr<FakeFactory> factory = std::make_shared<FakeFactory>(io);
};

TEST_F(WatermarkPoolTest, ReusesAReleasedConnection) {
  auto pool = pools::watermark({}, factory, io.get_executor());
  auto first = send(*pool, "1");
  io.run();
  factory->made[0]->answer();
  EXPECT_EQ(first->payload, "1");
  EXPECT_EQ(pool->idle(), 1u);
  auto second = send(*pool, "2");
  io.restart();
  io.run();
  factory->made[0]->answer();
  EXPECT_EQ(second->payload, "2");
  EXPECT_EQ(factory->connects, 1);
}

TEST_F(WatermarkPoolTest, QueuesBeyondMaxConnectionsAndServesWaitersInOrder) {
  auto pool =
      pools::watermark({.high_watermark = 1, .max_waiters = 10}, factory, io.get_executor());
  auto a = send(*pool, "a");
  auto b = send(*pool, "b");
  auto c = send(*pool, "c");
  io.run();
  EXPECT_EQ(pool->waiters(), 2u);
  EXPECT_EQ(factory->connects, 1);
  auto& conn = *factory->made[0];
  conn.answer();
  conn.answer();
  conn.answer();
  EXPECT_EQ(a->payload, "a");
  EXPECT_EQ(b->payload, "b");
  EXPECT_EQ(c->payload, "c");
  EXPECT_EQ(conn.calls, 3);
}

TEST_F(WatermarkPoolTest, RejectsWhenWaitersAreFull) {
  auto pool = pools::watermark({.high_watermark = 1, .max_waiters = 1}, factory, io.get_executor());
  send(*pool, "a");
  send(*pool, "b");
  auto c = send(*pool, "c");
  EXPECT_FALSE(c->done);  // never completes inline
  io.run();
  ASSERT_TRUE(c->done);
  EXPECT_THROW(std::rethrow_exception(c->error), RejectedError);
}

TEST_F(WatermarkPoolTest, ConnectFailureFailsTheCallAndFreesTheSlot) {
  factory->fail = true;
  auto pool =
      pools::watermark({.high_watermark = 1, .max_waiters = 10}, factory, io.get_executor());
  auto a = send(*pool, "a");
  io.run();
  ASSERT_TRUE(a->done);
  EXPECT_THROW(std::rethrow_exception(a->error), ConnectionError);
  EXPECT_EQ(pool->size(), 0u);
}

TEST_F(WatermarkPoolTest, BrokenConnectionIsDroppedNotReused) {
  auto pool = pools::watermark({}, factory, io.get_executor());
  send(*pool, "a");
  io.run();
  factory->made[0]->open = false;
  factory->made[0]->answer();
  EXPECT_EQ(pool->size(), 0u);
  send(*pool, "b");
  io.restart();
  io.run();
  EXPECT_EQ(factory->connects, 2);
}

TEST_F(WatermarkPoolTest, CloseFailsWaitersWithUnavailable) {
  auto pool =
      pools::watermark({.high_watermark = 1, .max_waiters = 10}, factory, io.get_executor());
  send(*pool, "a");
  auto waiting = send(*pool, "b");
  io.run();
  pool->close();
  io.restart();
  io.run();
  ASSERT_TRUE(waiting->done);
  EXPECT_THROW(std::rethrow_exception(waiting->error), UnavailableError);
}

TEST_F(WatermarkPoolTest, KeepsTheLowWatermarkAndClosesIdleConnectionsAboveIt) {
  auto pool = pools::watermark(
      {.low_watermark = 1, .high_watermark = 3, .idle_timeout = std::chrono::milliseconds(5)},
      factory, io.get_executor());
  auto a = send(*pool, "a");
  auto b = send(*pool, "b");
  auto c = send(*pool, "c");
  io.run();
  ASSERT_EQ(factory->connects, 3);
  for (auto& conn : factory->made) conn->answer();
  EXPECT_EQ(pool->idle(), 3u);
  io.restart();
  io.run();  // returns once the idle timer has fired and nothing else is pending
  EXPECT_EQ(pool->size(), 1u);
  EXPECT_EQ(pool->idle(), 1u);
  int open = 0;
  for (auto& conn : factory->made) open += conn->open ? 1 : 0;
  EXPECT_EQ(open, 1);
  // The survivor is the most recently used connection, and it serves the next call.
  auto d = send(*pool, "d");
  io.restart();
  io.run();
  EXPECT_EQ(factory->connects, 3);
}

TEST_F(WatermarkPoolTest, ZeroIdleTimeoutClosesAboveTheLowWatermarkAtOnce) {
  auto pool = pools::watermark({.low_watermark = 0, .high_watermark = 2, .idle_timeout = {}},
                               factory, io.get_executor());
  send(*pool, "a");
  io.run();
  factory->made[0]->answer();
  EXPECT_EQ(pool->size(), 0u);
  EXPECT_FALSE(factory->made[0]->open);
}

TEST_F(WatermarkPoolTest, AWaiterPastTheAcquireTimeoutFailsWithTimeout) {
  auto pool = pools::watermark(
      {.high_watermark = 1, .max_waiters = 10, .acquire_timeout = std::chrono::milliseconds(5)},
      factory, io.get_executor());
  auto holder = send(*pool, "a");
  auto waiter = send(*pool, "b");
  io.run();  // the waiter's timer is the only pending work
  ASSERT_TRUE(waiter->done);
  EXPECT_THROW(std::rethrow_exception(waiter->error), TimeoutError);
  EXPECT_FALSE(holder->done);
  EXPECT_EQ(pool->waiters(), 0u);
  factory->made[0]->answer();
  EXPECT_EQ(holder->payload, "a");
}

}  // namespace
}  // namespace scales::pool

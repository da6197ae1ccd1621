// SPDX-License-Identifier: Apache-2.0
// The Pool contract (scales/pool/pool.h, scales/core/service.h), run against every registered
// pool kind over in-memory connections whose calls the test answers: every call completes exactly
// once and never inline; close() fails what is queued, in flight or still connecting, and every
// call after it; size(), idle() and waiters() agree with the connections; a kind that does not
// share connections never gives one two calls at once; max_waiters bounds the queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/errors.h"
#include "scales/pool/pool.h"

namespace scales::pool {
namespace {
namespace asio = boost::asio;

class FakeConnection;

// What the fake connections and their factory share with the test.
struct Backend {
  explicit Backend(asio::io_context& context) : io(context) {}
  asio::io_context& io;
  bool hold_connects = false;  // connects wait for releaseHeld()
  bool fail_connects = false;  // connects complete with ConnectFailedError
  std::deque<transport::ConnectHandler> held;
  int connects = 0;    // asked for
  int connecting = 0;  // asked for and not completed
  std::vector<std::shared_ptr<FakeConnection>> made;
  std::vector<std::string> seen;  // payloads that reached a connection, in order

  size_t open() const;
  void complete(transport::ConnectHandler handler);
  void releaseHeld() {
    while (!held.empty()) {
      auto handler = std::move(held.front());
      held.pop_front();
      complete(std::move(handler));
    }
  }
};

// Takes any number of calls; the test answers them. Counts how many it holds at once.
class FakeConnection : public transport::Connection,
                       public std::enable_shared_from_this<FakeConnection> {
 public:
  explicit FakeConnection(Backend& backend) : backend_(backend) {}

  bool isOpen() const override { return open_; }

  void call(Request&& request, Handler&& handler) override {
    if (!open_) {
      return finish(std::move(handler),
                    std::make_exception_ptr(ConnectionError("fake connection is closed")), {},
                    false);
    }
    ++active_;
    max_active_ = std::max(max_active_, active_);
    backend_.seen.push_back(request.payload);
    pending_.push_back({std::move(request), std::move(handler)});
  }

  // Fails the calls it holds, later, as a real connection whose socket closed does.
  void close() override {
    if (!open_) return;
    open_ = false;
    while (!pending_.empty()) {
      auto [request, handler] = std::move(pending_.front());
      pending_.pop_front();
      finish(std::move(handler),
             std::make_exception_ptr(ConnectionError("fake connection closed under its call")), {},
             true);
    }
  }

  // Answers the oldest call with its own payload; false when it holds none.
  bool answerOne() {
    if (pending_.empty()) return false;
    auto [request, handler] = std::move(pending_.front());
    pending_.pop_front();
    finish(std::move(handler), nullptr, Response{request.payload}, true);
    return true;
  }

  int maxActive() const { return max_active_; }
  size_t holding() const { return pending_.size(); }

 private:
  // Never inline: the reply "arrives" on the executor.
  void finish(Handler handler, std::exception_ptr error, Response response, bool was_active) {
    asio::post(backend_.io, [self = shared_from_this(), handler = std::move(handler), error,
                             response = std::move(response), was_active]() mutable {
      if (was_active) --self->active_;
      handler(error, std::move(response));
    });
  }

  Backend& backend_;
  bool open_ = true;
  int active_ = 0;  // calls taken and not yet answered
  int max_active_ = 0;
  std::deque<std::pair<Request, Handler>> pending_;
};

size_t Backend::open() const {
  return static_cast<size_t>(
      std::count_if(made.begin(), made.end(), [](const auto& c) { return c->isOpen(); }));
}

void Backend::complete(transport::ConnectHandler handler) {
  asio::post(io, [this, handler = std::move(handler)]() mutable {
    --connecting;
    if (fail_connects) {
      return handler(std::make_exception_ptr(ConnectFailedError("fake connect refused")), nullptr);
    }
    auto conn = std::make_shared<FakeConnection>(*this);
    made.push_back(conn);
    handler(nullptr, std::shared_ptr<transport::Connection>(conn));
  });
}

class FakeFactory : public transport::ConnectionFactory {
 public:
  explicit FakeFactory(Backend& backend) : backend_(backend) {}
  void connect(Deadline, transport::ConnectHandler handler) override {
    ++backend_.connects;
    ++backend_.connecting;
    if (backend_.hold_connects) return backend_.held.push_back(std::move(handler));
    backend_.complete(std::move(handler));
  }

 private:
  Backend& backend_;
};

struct Call {
  std::string payload;
  int completions = 0;
  bool completed_inline = false;
  std::exception_ptr error;
  std::string reply;
  bool done() const { return completions > 0; }
};

template <class E>
bool failedWith(const Call& call) {
  if (!call.error) return false;
  try {
    std::rethrow_exception(call.error);
  } catch (const E&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string describe(const Call& call) {
  std::string out =
      "call '" + call.payload + "': " + std::to_string(call.completions) + " completion(s)";
  if (call.error) {
    try {
      std::rethrow_exception(call.error);
    } catch (const std::exception& e) {
      out += ", error: " + std::string(e.what());
    }
  } else if (call.done()) {
    out += ", reply '" + call.reply + "'";
  }
  return out;
}

class PoolContract : public ::testing::TestWithParam<std::string> {
 protected:
  void make(const WatermarkPoolOptions& options) {
    options_ = options;
    kind_ = poolRegistry().get(GetParam());
    pool_ = makePool(GetParam(), options, factory_, io_.get_executor());
  }

  std::shared_ptr<Call> send(std::string payload) {
    auto call = std::make_shared<Call>();
    call->payload = payload;
    Request request;
    request.payload = std::move(payload);
    in_call_ = true;
    pool_->call(std::move(request), [this, call](std::exception_ptr error, Response response) {
      ++call->completions;
      if (in_call_) call->completed_inline = true;
      call->error = error;
      call->reply = std::move(response.payload);
    });
    in_call_ = false;
    calls_.push_back(call);
    return call;
  }

  // Runs everything ready on the executor (bounded: handlers may queue more).
  void settle() {
    for (int round = 0; round < 100; ++round) {
      io_.restart();
      if (io_.poll() == 0) return;
    }
  }

  size_t unfinished() const {
    return static_cast<size_t>(
        std::count_if(calls_.begin(), calls_.end(), [](const auto& c) { return !c->done(); }));
  }

  // What every pool reports must agree with what its factory and connections know (the fake
  // connections never close on their own, so "open or opening" is exactly this).
  ::testing::AssertionResult consistent() const {
    size_t size = pool_->size(), idle = pool_->idle(), waiters = pool_->waiters();
    size_t live = static_cast<size_t>(backend_.connecting) + backend_.open();
    if (idle > size) {
      return ::testing::AssertionFailure() << "idle() " << idle << " > size() " << size;
    }
    if (size != live) {
      return ::testing::AssertionFailure() << "size() " << size << " but " << backend_.connecting
                                           << " connecting and " << backend_.open() << " open";
    }
    if (waiters > unfinished()) {
      return ::testing::AssertionFailure()
             << "waiters() " << waiters << " > " << unfinished() << " unfinished calls";
    }
    if (waiters > options_.max_waiters) {
      return ::testing::AssertionFailure()
             << "waiters() " << waiters << " > max_waiters " << options_.max_waiters;
    }
    return ::testing::AssertionSuccess();
  }

  // Answers every call the connections hold, round by round, until every call sent has completed;
  // checks consistency at each step. False if calls remain that nothing will complete.
  ::testing::AssertionResult drain() {
    for (int round = 0; round < 1000; ++round) {
      settle();
      if (auto ok = consistent(); !ok) return ok;
      if (unfinished() == 0) return ::testing::AssertionSuccess();
      bool answered = false;
      for (auto& conn : backend_.made) answered = conn->answerOne() || answered;
      io_.restart();
      if (!answered && io_.poll() == 0) {
        return ::testing::AssertionFailure()
               << unfinished() << " call(s) stuck: no connection holds them, nothing queued";
      }
    }
    return ::testing::AssertionFailure()
           << "still " << unfinished() << " call(s) after 1000 rounds";
  }

  void expectEveryCallCompletedOnce() {
    for (const auto& call : calls_) {
      EXPECT_EQ(call->completions, 1) << describe(*call);
      EXPECT_FALSE(call->completed_inline) << describe(*call) << ": completed inside call()";
    }
  }

  asio::io_context io_;
  Backend backend_{io_};
  std::shared_ptr<FakeFactory> factory_ = std::make_shared<FakeFactory>(backend_);
  WatermarkPoolOptions options_;
  PoolKind kind_;
  std::unique_ptr<Pool> pool_;
  std::vector<std::shared_ptr<Call>> calls_;
  bool in_call_ = false;
};

TEST_P(PoolContract, CallsCompleteExactlyOnceWithTheirReply) {
  make({.low_watermark = 1, .high_watermark = 4, .max_waiters = 64});
  for (int round = 0; round < 2; ++round) {  // a cold pool, then a warm one
    for (int i = 0; i < 8; ++i) send(std::to_string(round) + "." + std::to_string(i));
    ASSERT_TRUE(drain());
  }
  settle();
  expectEveryCallCompletedOnce();
  for (const auto& call : calls_) {
    EXPECT_FALSE(call->error) << describe(*call);
    EXPECT_EQ(call->reply, call->payload) << describe(*call);
  }
  EXPECT_EQ(backend_.seen.size(), calls_.size()) << "each call reaches a connection once";
  // Closing afterwards completes nothing a second time.
  pool_->close();
  settle();
  expectEveryCallCompletedOnce();
}

TEST_P(PoolContract, UnsharedConnectionsNeverCarryTwoCallsAtOnce) {
  make({.low_watermark = 1, .high_watermark = 3, .max_waiters = 100});
  if (kind_.shares_connections) {
    GTEST_SKIP() << GetParam() << " shares connections by design (shares_connections=true)";
  }
  for (int i = 0; i < 20; ++i) send(std::to_string(i));
  settle();
  // Uneven answering: the first connection answers all it holds before the others get a turn.
  for (int round = 0; round < 50 && unfinished() > 0; ++round) {
    if (!backend_.made.empty()) {
      while (backend_.made.front()->answerOne()) settle();
    }
    ASSERT_TRUE(drain());
  }
  EXPECT_EQ(unfinished(), 0u);
  expectEveryCallCompletedOnce();
  ASSERT_FALSE(backend_.made.empty());
  for (size_t i = 0; i < backend_.made.size(); ++i) {
    EXPECT_LE(backend_.made[i]->maxActive(), 1) << "connection " << i << " got concurrent calls";
  }
  EXPECT_LE(backend_.made.size(), options_.high_watermark);
}

TEST_P(PoolContract, CloseFailsCallsInFlightQueuedAndAfter) {
  make({.low_watermark = 1, .high_watermark = 1, .max_waiters = 10});
  send("first");
  settle();
  ASSERT_EQ(backend_.seen, std::vector<std::string>{"first"}) << "the first call is in flight";
  send("second");
  send("third");
  settle();
  ASSERT_TRUE(consistent());
  pool_->close();
  send("late");
  settle();
  expectEveryCallCompletedOnce();
  for (const auto& call : calls_) {
    ASSERT_TRUE(call->error) << describe(*call);
    bool reached =
        std::find(backend_.seen.begin(), backend_.seen.end(), call->payload) != backend_.seen.end();
    if (reached) {
      // Failed by its connection's close, with whatever error the connection gave.
      EXPECT_TRUE(failedWith<ConnectionError>(*call) || failedWith<UnavailableError>(*call))
          << describe(*call);
    } else {
      EXPECT_TRUE(failedWith<UnavailableError>(*call)) << describe(*call);
    }
  }
  EXPECT_EQ(std::count(backend_.seen.begin(), backend_.seen.end(), "late"), 0)
      << "a call after close() reached a connection";
  // Everything released.
  EXPECT_EQ(pool_->size(), 0u);
  EXPECT_EQ(pool_->idle(), 0u);
  EXPECT_EQ(pool_->waiters(), 0u);
  for (size_t i = 0; i < backend_.made.size(); ++i) {
    EXPECT_FALSE(backend_.made[i]->isOpen()) << "connection " << i << " left open by close()";
  }
}

TEST_P(PoolContract, CloseWhileConnectingFailsEveryCallAndClosesLateConnections) {
  backend_.hold_connects = true;
  make({.low_watermark = 1, .high_watermark = 2, .max_waiters = 10});
  for (auto name : {"a", "b", "c"}) send(name);
  settle();
  ASSERT_GE(backend_.held.size(), 1u);
  pool_->close();
  settle();
  backend_.releaseHeld();  // the connections arrive after close()
  settle();
  expectEveryCallCompletedOnce();
  for (const auto& call : calls_)
    EXPECT_TRUE(failedWith<UnavailableError>(*call)) << describe(*call);
  EXPECT_TRUE(backend_.seen.empty()) << "a call reached a connection after close()";
  EXPECT_EQ(pool_->size(), 0u);
  EXPECT_EQ(pool_->waiters(), 0u);
  for (size_t i = 0; i < backend_.made.size(); ++i) {
    EXPECT_FALSE(backend_.made[i]->isOpen()) << "connection " << i << " arrived after close() "
                                             << "and was kept open";
  }
}

TEST_P(PoolContract, MaxWaitersIsHonoured) {
  backend_.hold_connects = true;  // nothing connects: calls queue
  constexpr size_t kMaxWaiters = 3;
  make({.low_watermark = 1, .high_watermark = 1, .max_waiters = kMaxWaiters});
  std::shared_ptr<Call> rejected;
  size_t accepted = 0;
  for (int i = 0; i < 10 && !rejected; ++i) {
    auto call = send(std::to_string(i));
    settle();
    ASSERT_TRUE(consistent());
    if (call->done()) {
      rejected = call;
    } else {
      ++accepted;
    }
  }
  ASSERT_TRUE(rejected) << "10 calls queued behind a connect that never completes";
  EXPECT_TRUE(failedWith<RejectedError>(*rejected)) << describe(*rejected);
  EXPECT_EQ(pool_->waiters(), kMaxWaiters);
  // The calls a pool takes while nothing is connected: its waiters, plus at most one call per
  // connection it is opening.
  EXPECT_GE(accepted, kMaxWaiters);
  EXPECT_LE(accepted, kMaxWaiters + options_.high_watermark);
  // Those accepted were queued, not lost.
  backend_.hold_connects = false;
  backend_.releaseHeld();
  ASSERT_TRUE(drain());
  expectEveryCallCompletedOnce();
  for (const auto& call : calls_) {
    if (call != rejected) {
      EXPECT_EQ(call->reply, call->payload) << describe(*call);
    }
  }
}

TEST_P(PoolContract, SizeIdleAndWaitersAgreeWithTheConnections) {
  backend_.hold_connects = true;
  make({.low_watermark = 1, .high_watermark = 2, .max_waiters = 10});
  EXPECT_TRUE(consistent());
  EXPECT_EQ(pool_->waiters(), 0u);
  for (int i = 0; i < 5; ++i) {
    send(std::to_string(i));
    settle();
    ASSERT_TRUE(consistent());
  }
  // Nothing is connected: every call is waiting or rides on a connection being opened.
  EXPECT_GE(pool_->waiters() + pool_->size(), unfinished());
  EXPECT_EQ(pool_->idle(), 0u);
  backend_.releaseHeld();
  backend_.hold_connects = false;
  ASSERT_TRUE(drain());  // checks consistency at every step
  expectEveryCallCompletedOnce();
  EXPECT_EQ(pool_->waiters(), 0u);
  EXPECT_GE(pool_->size(), 1u);
  if (!kind_.shares_connections) {
    EXPECT_EQ(pool_->idle(), pool_->size()) << "no call in flight: every connection is idle";
  }
  pool_->close();
  settle();
  EXPECT_EQ(pool_->size(), 0u);
  EXPECT_EQ(pool_->idle(), 0u);
  EXPECT_EQ(pool_->waiters(), 0u);
  EXPECT_EQ(backend_.open(), 0u);
}

TEST_P(PoolContract, FailedConnectFailsItsCallsAndTheNextConnectIsTried) {
  backend_.fail_connects = true;
  make({.low_watermark = 1, .high_watermark = 1, .max_waiters = 10});
  send("a");
  send("b");
  settle();
  expectEveryCallCompletedOnce();
  for (const auto& call : calls_) {
    EXPECT_TRUE(failedWith<ConnectionError>(*call)) << describe(*call);
  }
  EXPECT_EQ(pool_->size(), 0u);
  EXPECT_EQ(pool_->waiters(), 0u);
  backend_.fail_connects = false;
  auto again = send("again");
  ASSERT_TRUE(drain());
  EXPECT_EQ(again->reply, "again") << describe(*again);
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, PoolContract, ::testing::ValuesIn(poolRegistry().list()),
                         [](const auto& param) {
                           std::string name = param.param;  // test names take [A-Za-z0-9_]
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace scales::pool

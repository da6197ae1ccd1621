// SPDX-License-Identifier: Apache-2.0
// The async stubs with every kind of completion token, where completions run, cancellation, and
// the refusal to block the client's own thread.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "integration/interop_handler.h"
#include "interop/sample_values.h"
#include "scales/core/log.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;

TEST(CompletionTokens, CallbackGetsValueAndNullError) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  std::promise<std::pair<bool, int64_t>> got;
  client.add(2, 40, [&](std::exception_ptr e, int64_t sum) { got.set_value({e == nullptr, sum}); });
  auto [ok, sum] = got.get_future().get();
  EXPECT_TRUE(ok);
  EXPECT_EQ(sum, 42);
}

TEST(CompletionTokens, ACallbackThatThrowsIsLoggedAndCountedAndTheClientGoesOn) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  std::vector<std::string> logged;
  std::mutex mutex;
  setLogSink([&](std::string_view line) {
    std::lock_guard lock(mutex);
    logged.emplace_back(line);
  });
  uint64_t before = escapedExceptions();
  std::promise<void> threw;
  client.add(1, 1, [&](std::exception_ptr, int64_t) {
    threw.set_value();
    throw std::runtime_error("callback bug");
  });
  threw.get_future().get();
  // The client still answers, on the same connection (the throw did not end it), and the throw
  // was reported.
  EXPECT_EQ(client.add(2, 3), 5);
  EXPECT_EQ(server.server->stats().connects, 1u);
  EXPECT_EQ(escapedExceptions(), before + 1);
  setLogSink(nullptr);
  std::lock_guard lock(mutex);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("callback bug"), std::string::npos) << logged[0];
}

TEST(CompletionTokens, CallbackGetsDeclaredExceptionAsExceptionPtr) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  std::promise<std::string> got;
  client.lookup("nope", [&](std::exception_ptr e, std::string) {
    try {
      std::rethrow_exception(e);
    } catch (const interop::shared::NotFound& nf) {
      got.set_value(nf.key);
    } catch (...) {
      got.set_value("wrong exception");
    }
  });
  EXPECT_EQ(got.get_future().get(), "nope");
}

TEST(CompletionTokens, FutureCarriesValueAndException) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  auto value = client.echo(interop::samples::everything(), asio::use_future);
  auto failure = client.fail(1, asio::use_future);
  EXPECT_EQ(value.get(), interop::samples::everything());
  EXPECT_THROW(failure.get(), interop::Invalid);
}

TEST(CompletionTokens, CoroutineAwaitsOnItsOwnExecutor) {
  asio::io_context app;
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  std::thread::id app_thread = std::this_thread::get_id();
  std::string result;
  bool resumed_on_app_thread = false;
  bool threw_declared = false;
  asio::co_spawn(
      app,
      [&]() -> asio::awaitable<void> {
        result = co_await client.concat("co", "await", asio::use_awaitable);
        resumed_on_app_thread = std::this_thread::get_id() == app_thread;
        try {
          co_await client.fail(2, asio::use_awaitable);
        } catch (const interop::shared::NotFound&) {
          threw_declared = true;
        }
      },
      asio::detached);
  app.run();
  EXPECT_EQ(result, "coawait");
  EXPECT_TRUE(resumed_on_app_thread);
  EXPECT_TRUE(threw_declared);
}

TEST(CompletionTokens, DeferredSendsNothingUntilLaunched) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  auto op = client.add(1, 1, asio::deferred);
  // Prove nothing was sent yet: a call made after it reaches the server first.
  client.nothing();
  EXPECT_EQ(server.handler->calls, 1);
  auto sum = std::move(op)(asio::use_future);
  EXPECT_EQ(sum.get(), 2);
  EXPECT_EQ(server.handler->calls, 2);
}

TEST(CompletionTokens, ADeferredCallKeptInAVariableSendsACopyEachLaunch) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  auto op = client.add(2, 3, asio::deferred);
  EXPECT_EQ(op(asio::use_future).get(), 5);
  EXPECT_EQ(op(asio::use_future).get(), 5);  // the request it holds is still whole
  EXPECT_EQ(server.handler->calls, 2);
}

TEST(CompletionTokens, CallbackRunsOnItsBoundExecutor) {
  // The app's context outlives the client: the client's thread may still hold a copy of the
  // bound executor for a moment after the callback ran.
  asio::io_context app;
  auto strand = asio::make_strand(app);
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  bool on_strand = false;
  auto work = asio::make_work_guard(app);  // keeps run() going until the callback releases it
  client.ping(asio::bind_executor(strand, [&](std::exception_ptr, std::string) {
    on_strand = strand.running_in_this_thread();
    work.reset();
  }));
  app.run();
  EXPECT_TRUE(on_strand);
}

TEST(CompletionTokens, SyncCallOnClientThreadIsRefused) {
  InteropServer server;
  auto client = interop::InteropServiceClient::make(server.uri());
  std::promise<std::string> got;
  client.ping([&](std::exception_ptr, std::string) {
    // A plain callback runs on the client's own thread: blocking there would deadlock.
    try {
      client.ping();
      got.set_value("did not throw");
    } catch (const UsageError& e) {
      got.set_value(e.what());
    }
  });
  EXPECT_NE(got.get_future().get().find("deadlock"), std::string::npos);
}

TEST(CompletionTokens, CancellationEndsTheCallWithCancelledError) {
  // A server that accepts and never answers: only cancellation can end the call.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(io);
  acceptor.async_accept(held, [](boost::system::error_code) {});
  std::thread io_thread([&] { io.run(); });

  auto client = interop::InteropServiceClient::make(
      "tcp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  asio::cancellation_signal cancel;
  std::promise<std::exception_ptr> got;
  client.ping(asio::bind_cancellation_slot(
      cancel.slot(), [&](std::exception_ptr e, std::string) { got.set_value(e); }));
  // Emit on the client's executor, where the slot's owner runs (signals are not thread-safe).
  asio::post(client.thriftClient()->executor(),
             [&] { cancel.emit(asio::cancellation_type::terminal); });
  auto error = got.get_future().get();
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), CancelledError);
  io.stop();
  io_thread.join();
}

}  // namespace
}  // namespace scales::testing

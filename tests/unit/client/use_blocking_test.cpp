// SPDX-License-Identifier: Apache-2.0
// use_blocking: the caller blocks until an operation completed on another thread, then gets its
// value or its error; a handler destroyed uncalled still wakes it; the client's type-erased copy
// of the handler is placed in the caller's frame.
#include "scales/client/use_blocking.h"

#include <gtest/gtest.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace scales::client {
namespace {
namespace asio = boost::asio;

using StringHandler = asio::any_completion_handler<void(std::exception_ptr, std::string)>;
using VoidHandler = asio::any_completion_handler<void(std::exception_ptr)>;

// An event loop on its own thread, like a client's.
struct Loop {
  Loop() : work(io.get_executor()), thread([this] { io.run(); }) {}
  ~Loop() {
    work.reset();
    thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
};

// An operation completing on `loop` with `value`, or with `error` if it is set; `in_arena`, if
// given, says whether its type-erased copy of the handler went into the caller's arena.
template <class Token>
auto echoLater(Loop& loop, std::string value, std::exception_ptr error, bool* in_arena,
               Token&& token) {
  return asio::async_initiate<Token, void(std::exception_ptr, std::string)>(
      [&loop, in_arena](auto handler, std::string v, std::exception_ptr e) {
        detail::HandlerArena* arena = nullptr;
        if constexpr (requires { asio::get_associated_allocator(handler).arena(); }) {
          arena = asio::get_associated_allocator(handler).arena();
        }
        StringHandler erased(std::move(handler));
        if (in_arena) *in_arena = arena && arena->taken();
        asio::post(loop.io, [erased = std::move(erased), v = std::move(v), e]() mutable {
          std::move(erased)(e, std::move(v));
        });
      },
      token, std::move(value), std::move(error));
}

TEST(UseBlocking, ReturnsTheValueCompletedOnAnotherThread) {
  Loop loop;
  EXPECT_EQ(echoLater(loop, "hello", nullptr, nullptr, use_blocking), "hello");
  // Many in a row: each wait is its own.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(echoLater(loop, std::to_string(i), nullptr, nullptr, use_blocking),
              std::to_string(i));
  }
}

TEST(UseBlocking, ThrowsTheOperationsError) {
  Loop loop;
  auto error = std::make_exception_ptr(std::runtime_error("refused"));
  try {
    echoLater(loop, "ignored", error, nullptr, use_blocking);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "refused");
  }
}

TEST(UseBlocking, AVoidOperationReturnsOnceItCompletes) {
  Loop loop;
  bool ran = false;
  asio::async_initiate<const use_blocking_t&, void(std::exception_ptr)>(
      [&](auto handler) {
        asio::post(loop.io, [&ran, h = VoidHandler(std::move(handler))]() mutable {
          ran = true;
          std::move(h)(nullptr);
        });
      },
      use_blocking);
  EXPECT_TRUE(ran);
}

TEST(UseBlocking, AHandlerDestroyedUncalledWakesTheCallerWithAnError) {
  Loop loop;
  using H = asio::any_completion_handler<void(std::exception_ptr, int)>;
  auto dropped = [&] {
    return asio::async_initiate<const use_blocking_t&, void(std::exception_ptr, int)>(
        [&](auto handler) {
          // The loop drops the call: nobody will ever complete it.
          asio::post(loop.io,
                     [h = std::make_shared<H>(std::move(handler))]() mutable { h.reset(); });
        },
        use_blocking);
  };
  EXPECT_THROW(dropped(), UnavailableError);
}

TEST(UseBlocking, AnInitiationThatThrowsAfterHandingOffTheHandlerWaitsForItFirst) {
  Loop loop;
  std::atomic<bool> completed{false};
  auto throwing = [&] {
    return asio::async_initiate<const use_blocking_t&, void(std::exception_ptr, int)>(
        [&](auto handler) {
          using H = asio::any_completion_handler<void(std::exception_ptr, int)>;
          asio::post(loop.io, [&completed, h = H(std::move(handler))]() mutable {
            // Slow on purpose: a caller that did not wait would be gone by now.
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            completed = true;
            std::move(h)(nullptr, 7);
          });
          throw std::runtime_error("initiation failed after handing off");
        },
        use_blocking);
  };
  EXPECT_THROW(throwing(), std::runtime_error);
  // The exception left only once the handler was done with the caller's frame.
  EXPECT_TRUE(completed.load());
}

TEST(UseBlocking, TheClientsCopyOfTheHandlerIsPlacedInTheCallersArena) {
  Loop loop;
  bool in_arena = false;
  EXPECT_EQ(echoLater(loop, "x", nullptr, &in_arena, use_blocking), "x");
  EXPECT_TRUE(in_arena);
}

TEST(UseBlocking, TheArenaLendsItsBufferOnceAndTheHeapTheRest) {
  detail::HandlerArena arena;
  void* first = arena.allocate(64, 8);
  void* second = arena.allocate(64, 8);  // the buffer is taken: from the heap
  void* large = nullptr;
  EXPECT_NE(first, second);
  arena.deallocate(first, 64, 8);
  large = arena.allocate(4096, 8);  // too large for the buffer, free or not
  void* again = arena.allocate(64, 8);
  EXPECT_EQ(again, first);
  EXPECT_NE(large, first);
  arena.deallocate(again, 64, 8);
  arena.deallocate(second, 64, 8);
  arena.deallocate(large, 4096, 8);
  EXPECT_FALSE(arena.taken());
}

}  // namespace
}  // namespace scales::client

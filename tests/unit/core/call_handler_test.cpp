// SPDX-License-Identifier: Apache-2.0
// CallHandler, the handler every stack layer passes down: one slot shared by the layers that only
// pass cancellation on (nothing installed in it on the way), memory from the wrapped handler's
// allocator freed before the handler runs or when it is dropped, and the wrapped handler's
// executor.
#include "scales/core/call_handler.h"

#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <string>

namespace scales {
namespace {
namespace asio = boost::asio;

using Handler = CallHandler<std::string>;

// Counts what handlers bound to it hold.
struct Tally {
  int live = 0;
  int allocations = 0;
};

template <class T>
struct CountingAllocator {
  using value_type = T;
  explicit CountingAllocator(Tally* t) : tally(t) {}
  template <class U>
  CountingAllocator(const CountingAllocator<U>& other) : tally(other.tally) {}  // NOLINT
  T* allocate(size_t n) {
    ++tally->live;
    ++tally->allocations;
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    --tally->live;
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const CountingAllocator<U>& other) const {
    return tally == other.tally;
  }
  Tally* tally;
};

// A handler with its own allocator that records what it saw when it ran.
struct Recording {
  using allocator_type = CountingAllocator<void>;
  allocator_type get_allocator() const { return allocator_type(tally); }
  void operator()(std::exception_ptr error, std::string reply) {
    *live_when_run = tally->live;
    *got = error ? "error" : reply;
  }
  Tally* tally;
  int* live_when_run;
  std::string* got;
};

// What a layer that only passes cancellation on does: wraps the handler, bound to its slot.
Handler passOn(Handler inner) {
  auto slot = asio::get_associated_cancellation_slot(inner);
  return asio::bind_cancellation_slot(
      slot, [inner = std::move(inner)](std::exception_ptr error, std::string reply) mutable {
        inner(error, std::move(reply));
      });
}

TEST(CallHandler, LayersThatPassCancellationOnShareTheCallersSlot) {
  asio::cancellation_signal caller;
  std::string got;
  Handler top = asio::bind_cancellation_slot(
      caller.slot(), [&got](std::exception_ptr, std::string reply) { got = reply; });
  Handler bottom = passOn(passOn(passOn(std::move(top))));
  auto slot = asio::get_associated_cancellation_slot(bottom);
  EXPECT_TRUE(slot == caller.slot());
  // Nothing was installed in the caller's slot on the way down (any_completion_handler installs
  // a forwarding state there for every wrapper).
  EXPECT_FALSE(caller.slot().has_handler());
  // The bottom's cancellation handler is the caller's signal's, reached in one step.
  bool cancelled = false;
  slot.assign([&cancelled](asio::cancellation_type) { cancelled = true; });
  caller.emit(asio::cancellation_type::terminal);
  EXPECT_TRUE(cancelled);
  slot.clear();
  bottom(nullptr, "reply");
  EXPECT_EQ(got, "reply");
  EXPECT_FALSE(asio::get_associated_cancellation_slot(Handler()).is_connected());
}

TEST(CallHandler, RunsOnceWithItsMemoryFreedFirst) {
  Tally tally;
  int live_when_run = -1;
  std::string got;
  Handler handler(Recording{&tally, &live_when_run, &got});
  EXPECT_EQ(tally.live, 1);  // the wrapper, from the handler's own allocator
  handler(nullptr, "ok");
  EXPECT_EQ(got, "ok");
  EXPECT_EQ(live_when_run, 0);  // freed before the handler ran: it may start the next call
  EXPECT_FALSE(handler);
  EXPECT_THROW(handler(nullptr, "again"), std::bad_function_call);
}

TEST(CallHandler, ADroppedHandlerIsFreedWithItsOwnAllocator) {
  Tally tally;
  int live_when_run = -1;
  std::string got;
  {
    Handler handler(Recording{&tally, &live_when_run, &got});
    Handler moved(std::move(handler));
    EXPECT_FALSE(handler);  // NOLINT: checking the moved-from state
    Handler assigned;
    assigned = std::move(moved);
    EXPECT_EQ(tally.live, 1);
    assigned = Handler(Recording{&tally, &live_when_run, &got});  // the first is dropped
    EXPECT_EQ(tally.live, 1);
    EXPECT_EQ(tally.allocations, 2);
  }
  EXPECT_EQ(tally.live, 0);
  EXPECT_EQ(live_when_run, -1);  // never ran
}

TEST(CallHandler, AsioSeesTheCallCacheAsItsAllocator) {
  // Whatever the wrapped handler's allocator (it may be a blocked caller's frame), what Asio
  // allocates for this handler (a post, a dispatch) comes from the per-call cache.
  Tally tally;
  int live_when_run = -1;
  std::string got;
  Handler handler(Recording{&tally, &live_when_run, &got});
  static_assert(std::is_same_v<asio::associated_allocator_t<Handler>, CallAllocator<void>>);
  EXPECT_TRUE(asio::get_associated_allocator(handler) == CallAllocator<void>());
}

TEST(CallHandler, HasTheWrappedHandlersExecutorOrTheCandidate) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  asio::any_completion_executor candidate(io.get_executor());
  Handler bound = asio::bind_executor(strand, [](std::exception_ptr, std::string) {});
  Handler plain = [](std::exception_ptr, std::string) {};
  EXPECT_TRUE(asio::get_associated_executor(bound, candidate) ==
              asio::any_completion_executor(strand));
  EXPECT_FALSE(asio::get_associated_executor(bound, candidate) == candidate);
  EXPECT_TRUE(asio::get_associated_executor(plain, candidate) == candidate);
  EXPECT_TRUE(asio::get_associated_executor(Handler(), candidate) == candidate);
  // Whether there is one to ask for at all, through binders too.
  EXPECT_TRUE(bound.hasOwnExecutor());
  EXPECT_FALSE(plain.hasOwnExecutor());
  EXPECT_FALSE(Handler().hasOwnExecutor());
  asio::cancellation_signal signal;
  Handler slot_only =
      asio::bind_cancellation_slot(signal.slot(), [](std::exception_ptr, std::string) {});
  EXPECT_FALSE(slot_only.hasOwnExecutor());
  Handler slot_and_strand = asio::bind_cancellation_slot(
      signal.slot(), asio::bind_executor(strand, [](std::exception_ptr, std::string) {}));
  EXPECT_TRUE(slot_and_strand.hasOwnExecutor());
}

}  // namespace
}  // namespace scales

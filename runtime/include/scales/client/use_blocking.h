// SPDX-License-Identifier: Apache-2.0
// `scales::client::use_blocking`: a completion token that blocks the calling thread until the
// operation completes, then returns its value or throws its error. Every sync call (generated
// Thrift stubs, HTTP, Redis) is its async form with this token.
//
// Why not `use_future().get()`: a future allocates a shared state, and its wake-up goes through a
// mutex and a condition variable. Here the result lives on the waiting caller's stack, the
// type-erased handler the client keeps is placed in a buffer there too, and the wake-up is one
// atomic exchange and a futex wake (none if the reply beat the caller to sleep). With 64
// application threads sharing one client, that hand-off is most of a sync call's cost beyond the
// async one (docs/benchmarks.md, "Sync calls").
//
// Blocking on the loop that must complete the operation deadlocks: callers check first
// (Channel::checkMayBlock).
#pragma once

#include <atomic>
#include <boost/asio/async_result.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "scales/core/errors.h"

namespace scales::client {

struct use_blocking_t {};
inline constexpr use_blocking_t use_blocking{};

namespace detail {

// Room for the one allocation a call makes through its handler (the client's type-erased copy of
// it); anything larger, or a second allocation while it is taken, goes to the heap.
class HandlerArena {
 public:
  void* allocate(size_t size, size_t align) {
    if (!taken() && size <= sizeof(buffer_) && align <= alignof(std::max_align_t)) {
      taken_.store(true, std::memory_order_relaxed);
      return buffer_;
    }
    return ::operator new (size, std::align_val_t{align});
  }
  bool taken() const { return taken_.load(std::memory_order_acquire); }
  void deallocate(void* p, size_t /*size*/, size_t align) {
    if (p == buffer_) {
      taken_.store(false, std::memory_order_release);
      return;
    }
    // Unsized: clang leaves sized deallocation off by default.
    ::operator delete (p, std::align_val_t{align});
  }

 private:
  alignas(std::max_align_t) unsigned char buffer_[256];
  // Set on the caller's thread before it waits, cleared on the loop's; atomic for the one case
  // where the caller reads it while the loop may still clear it (an abandoned call).
  std::atomic<bool> taken_{false};
};

template <class T>
class ArenaAllocator {
 public:
  using value_type = T;
  explicit ArenaAllocator(HandlerArena* arena) noexcept : arena_(arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(size_t n) { return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, size_t n) { arena_->deallocate(p, n * sizeof(T), alignof(T)); }
  HandlerArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  HandlerArena* arena_;
};

// Sleeps while `word` holds `value` (it may return early; callers check again), and wakes one
// sleeper: a futex, with no spinning first. std::atomic::wait spins and yields before it sleeps,
// which with 64 callers on one core starved the client's loop (half the calls/s, measured).
void sleepWhile(const std::atomic<uint32_t>& word, uint32_t value);
void wakeOne(const std::atomic<uint32_t>& word);

// Where a value of T waits for the caller; nothing for void.
template <class T>
struct ValueSlot {
  std::optional<T> value;
  void set(T v) { value.emplace(std::move(v)); }
  T take() { return std::move(*value); }
};
template <>
struct ValueSlot<void> {
  void set() {}
  void take() {}
};

// The caller's side of one blocking operation completing with (std::exception_ptr[, T]).
template <class T>
class BlockingWait {
 public:
  class Handler {
   public:
    using allocator_type = ArenaAllocator<void>;
    explicit Handler(BlockingWait* wait) noexcept : wait_(wait), arena_(&wait->arena_) {}
    Handler(Handler&& other) noexcept
        : wait_(std::exchange(other.wait_, nullptr)), arena_(other.arena_) {}
    Handler& operator=(Handler&&) = delete;
    // A handler destroyed uncalled (its loop went away with the call in it) still wakes the
    // caller, with an error, as a broken promise would.
    ~Handler() {
      if (wait_) wait_->abandon();
    }
    allocator_type get_allocator() const noexcept { return allocator_type(arena_); }

    template <class... V>
    void operator()(std::exception_ptr error, V&&... value) {
      BlockingWait* wait = std::exchange(wait_, nullptr);
      try {
        wait->slot_.set(std::forward<V>(value)...);
      } catch (...) {
        error = std::current_exception();  // moving the value failed: the caller gets why
      }
      wait->error_ = std::move(error);
      wait->finish(kDone);
    }

   private:
    BlockingWait* wait_;
    HandlerArena* arena_;  // kept apart from wait_, so a moved-from handler still answers
  };

  Handler handler() noexcept { return Handler(this); }

  T get() {
    if (settle() == kAbandoned) {
      throw UnavailableError("the client's loop ended without completing the call");
    }
    if (error_) std::rethrow_exception(error_);
    return slot_.take();
  }

  // Waits until the handler has run or been destroyed, and its memory is back: after this,
  // nothing refers to this frame. Returns how it ended.
  uint32_t settle() {
    // Announce the sleep, so that a completion that comes first wakes nobody (no system call).
    uint32_t state = kWaiting;
    if (state_.compare_exchange_strong(state, kSleeping, std::memory_order_acquire)) {
      state = kSleeping;
      while (state == kSleeping) {
        sleepWhile(state_, kSleeping);
        state = state_.load(std::memory_order_acquire);
      }
    }
    // A handler that ran gave its memory back first (Asio frees before it invokes); one
    // destroyed uncalled gives it back right after its destructor: wait for that (a rare path,
    // e.g. a loop destroyed under a blocked caller).
    while (arena_.taken()) std::this_thread::yield();
    return state;
  }

 private:
  static constexpr uint32_t kWaiting = 0;   // the caller has not gone to sleep yet
  static constexpr uint32_t kSleeping = 1;  // ... and now has
  static constexpr uint32_t kDone = 2;
  static constexpr uint32_t kAbandoned = 3;

  void abandon() { finish(kAbandoned); }
  void finish(uint32_t how) {
    // The caller may return (and its frame go) as soon as it sees the exchange, so nothing here
    // reads this object after it: a wake on an address already reused is harmless (futex).
    if (state_.exchange(how, std::memory_order_acq_rel) == kSleeping) wakeOne(state_);
  }

  std::atomic<uint32_t> state_{kWaiting};
  std::exception_ptr error_;
  ValueSlot<T> slot_;
  HandlerArena arena_;
};

}  // namespace detail
}  // namespace scales::client

namespace boost::asio {

template <class... Value>
class async_result<scales::client::use_blocking_t, void(std::exception_ptr, Value...)> {
  static_assert(sizeof...(Value) <= 1, "use_blocking returns at most one value");
  template <class... V>
  struct First {
    using type = void;
  };
  template <class V>
  struct First<V> {
    using type = std::decay_t<V>;
  };

 public:
  template <class Initiation, class... Args>
  static auto initiate(Initiation&& initiation, scales::client::use_blocking_t, Args&&... args) {
    scales::client::detail::BlockingWait<typename First<Value...>::type> wait;
    try {
      std::forward<Initiation>(initiation)(wait.handler(), std::forward<Args>(args)...);
    } catch (...) {
      // The handler may already be elsewhere (queued for the loop): it must be done with this
      // frame before the exception leaves it.
      wait.settle();
      throw;
    }
    return wait.get();
  }
};

}  // namespace boost::asio

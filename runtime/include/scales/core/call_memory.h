// SPDX-License-Identifier: Apache-2.0
// Memory for the stack's per-call objects (call states, the handler wrappers each layer hands
// down), recycled through a per-thread cache of small blocks. A call allocates a few of these on
// its way down and frees them on its way back; with many calls in flight, Asio's own recycling
// cache (two blocks per thread) misses nearly always and every one goes to malloc.
//
// CallAllocator<T> is a standard allocator: use it with std::allocate_shared. The stack's handler
// wrapper (CallHandler, core/call_handler.h) draws from it for any handler without an allocator
// of its own; withCallMemory does the same for Asio's own any_completion_handler.
#pragma once

#include <boost/asio/bind_allocator.hpp>
#include <cstddef>
#include <new>
#include <utility>

namespace scales {
namespace detail {

class BlockCache {
 public:
  // Classes of 24, 40, ... 520 bytes (16k + 8): glibc hands out chunks of 16k + 16 bytes, an
  // 8-byte header included, so a block of 16k + 8 bytes fills its chunk exactly (the least chunk,
  // 32 bytes, holds 24). Classes that were multiples of 32 cost a call (about eight blocks) about
  // 130 bytes of rounding and headers. Class 0 is unused.
  static constexpr size_t kClasses = 33;
  static constexpr size_t kLargest = (kClasses - 1) * 16 + 8;
  // Per class and thread: bounds what an idle thread keeps (at most ~1.1 MiB in all).
  static constexpr size_t kKept = 128;

  static constexpr size_t classOf(size_t bytes) { return bytes <= 24 ? 1 : (bytes + 7) / 16; }
  static constexpr size_t classBytes(size_t c) { return c * 16 + 8; }

  static void* allocate(size_t bytes) {
    if (bytes > kLargest || !alive) return ::operator new(bytes);
    size_t c = classOf(bytes);
    BlockCache& cache = local();
    if (Free* block = cache.heads_[c]) {
      cache.heads_[c] = block->next;
      --cache.counts_[c];
      return block;
    }
    return ::operator new(classBytes(c));
  }

  static void deallocate(void* p, size_t bytes) noexcept {
    if (bytes > kLargest || !alive) return ::operator delete(p);
    size_t c = classOf(bytes);
    BlockCache& cache = local();
    if (cache.counts_[c] >= kKept) return ::operator delete(p);
    auto* block = static_cast<Free*>(p);
    block->next = cache.heads_[c];
    cache.heads_[c] = block;
    ++cache.counts_[c];
  }

 private:
  struct Free {
    Free* next;
  };

  BlockCache() { alive = true; }
  ~BlockCache() {
    alive = false;  // blocks freed later in this thread's exit go straight back to the heap
    for (Free* head : heads_) {
      while (head != nullptr) {
        Free* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }

  static BlockCache& local() {
    thread_local BlockCache cache;
    return cache;
  }

  // Trivially destructible, so readable at any point of thread exit.
  static inline thread_local bool alive = true;
  Free* heads_[kClasses] = {};
  size_t counts_[kClasses] = {};
};

}  // namespace detail

template <class T>
class CallAllocator {
 public:
  using value_type = T;

  CallAllocator() noexcept = default;
  template <class U>
  CallAllocator(const CallAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit

  T* allocate(size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned call objects");
    return static_cast<T*>(detail::BlockCache::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { detail::BlockCache::deallocate(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const CallAllocator<U>&) const noexcept {
    return true;
  }
};

// `handler`, with the memory of whatever wraps it (an any_completion_handler) from the cache.
template <class Handler>
auto withCallMemory(Handler&& handler) {
  return boost::asio::bind_allocator(CallAllocator<void>(), std::forward<Handler>(handler));
}

}  // namespace scales

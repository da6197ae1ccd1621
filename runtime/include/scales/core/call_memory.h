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
  // Blocks of 32, 64, ... 512 bytes: a call holds about six of them, and a coarser step wasted
  // about a fifth of each on rounding.
  static constexpr size_t kGranule = 32;
  static constexpr size_t kClasses = 16;
  static constexpr size_t kLargest = kGranule * kClasses;
  // Per class and thread: bounds what an idle thread keeps (at most ~1.1 MiB in all).
  static constexpr size_t kKept = 256;

  static void* allocate(size_t bytes) {
    if (bytes > kLargest || !alive) return ::operator new(bytes);
    size_t c = (bytes - 1) / kGranule;
    BlockCache& cache = local();
    if (Free* block = cache.heads_[c]) {
      cache.heads_[c] = block->next;
      --cache.counts_[c];
      return block;
    }
    return ::operator new((c + 1) * kGranule);
  }

  static void deallocate(void* p, size_t bytes) noexcept {
    if (bytes > kLargest || !alive) return ::operator delete(p);
    size_t c = (bytes - 1) / kGranule;
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

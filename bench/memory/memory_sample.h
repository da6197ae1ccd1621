// SPDX-License-Identifier: Apache-2.0
// What this process holds, sampled so that two samples bracket what a phase of the benchmark
// added: heap bytes in use, as glibc's allocator counts them, and resident memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace scales::bench {

struct MemorySample {
  // Bytes handed out by malloc and not yet freed, in every arena: mallinfo2()'s uordblks
  // (chunks in the arenas) plus hblkhd (large blocks malloc took straight from mmap, which
  // uordblks leaves out). It counts the chunks' own headers (8 bytes each) and rounding to 16:
  // not the objects' sizes but what they cost. Freed chunks that a cache keeps count as in use:
  // glibc's per-thread tcache (up to 7 of each size up to 1 KiB) and scales' own cache of
  // per-call blocks (core/call_memory.h: up to 256 of each class, ~1.1 MiB per thread), which a
  // later burst of calls reuses before it allocates. Kernel memory (socket buffers, epoll, the
  // descriptors themselves) is not in it.
  int64_t heap = 0;
  // Resident set (/proc/self/statm): pages touched and still mapped, heap, thread stacks and code.
  // Freed memory stays resident until glibc gives it back, so sampleMemory() first asks it to
  // (malloc_trim); still, this moves in pages, and is meaningful only for large changes.
  int64_t rss = 0;
};

MemorySample sampleMemory();

// The difference of two samples, per `count` things (bytes each).
struct PerThing {
  double heap = 0;
  double rss = 0;
};
PerThing perThing(const MemorySample& before, const MemorySample& after, size_t count);

// Raises this process's soft limit on open descriptors to at least `needed` (children inherit
// it); throws std::runtime_error naming the limit when the hard limit is lower.
void ensureDescriptors(size_t needed);

}  // namespace scales::bench

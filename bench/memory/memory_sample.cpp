// SPDX-License-Identifier: Apache-2.0
#include "memory_sample.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

namespace scales::bench {

MemorySample sampleMemory() {
  // Returns free pages at the top of each arena and madvises away free ones inside it, so the
  // resident figure follows what is in use rather than what was once used. It does not change
  // what mallinfo2() counts as in use.
  malloc_trim(0);
  MemorySample sample;
  struct mallinfo2 info = mallinfo2();
  sample.heap = static_cast<int64_t>(info.uordblks + info.hblkhd);
  std::ifstream statm("/proc/self/statm");
  long long size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) {
    throw std::runtime_error("cannot read /proc/self/statm");
  }
  sample.rss = resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  return sample;
}

PerThing perThing(const MemorySample& before, const MemorySample& after, size_t count) {
  double n = count == 0 ? 1.0 : static_cast<double>(count);
  return {static_cast<double>(after.heap - before.heap) / n,
          static_cast<double>(after.rss - before.rss) / n};
}

void ensureDescriptors(size_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("getrlimit failed");
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= needed) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    throw std::runtime_error("need " + std::to_string(needed) +
                             " open descriptors but the hard limit (ulimit -Hn) is " +
                             std::to_string(limit.rlim_max) + ": ask for fewer connections");
  }
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit failed");
}

}  // namespace scales::bench

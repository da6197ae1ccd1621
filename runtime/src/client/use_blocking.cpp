// SPDX-License-Identifier: Apache-2.0
#include "scales/client/use_blocking.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace scales::client::detail {
namespace {
// std::atomic<uint32_t> is a plain 32-bit word: the futex system call works on its address.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(std::atomic<uint32_t>::is_always_lock_free);

long futex(const std::atomic<uint32_t>& word, int op, uint32_t value) {
  return syscall(SYS_futex, &word, op, value, nullptr, nullptr, 0);
}
}  // namespace

void sleepWhile(const std::atomic<uint32_t>& word, uint32_t value) {
  // EAGAIN (the word changed first) and EINTR both just return: the caller looks again.
  futex(word, FUTEX_WAIT_PRIVATE, value);
}

void wakeOne(const std::atomic<uint32_t>& word) { futex(word, FUTEX_WAKE_PRIVATE, 1); }

}  // namespace scales::client::detail

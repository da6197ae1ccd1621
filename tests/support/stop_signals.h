// SPDX-License-Identifier: Apache-2.0
// For helper servers that run until SIGTERM or SIGINT: the signals are blocked before any thread
// starts (so every thread inherits the mask and leaves them to the waiting one), then awaited.
#pragma once

#include <pthread.h>

#include <csignal>

namespace scales::testing {

// Call first in main(), before any thread exists.
inline sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Returns the signal that arrived.
inline int waitForStopSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
#include "scales/core/runtime.h"

#include "scales/core/log.h"

namespace scales {

void Runtime::run() {
  // An exception out of a handler (a user's callback, an allocation that failed) unwinds run();
  // the loop's other work is intact, so it is logged and counted and the loop goes on. Left to
  // escape the thread, it would end the process.
  for (;;) {
    try {
      io_.run();
      return;
    } catch (...) {
      logEscaped("an event-loop handler");
    }
  }
}

Runtime::Runtime(int threads) : work_(io_.get_executor()) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

Runtime::~Runtime() { stop(); }

void Runtime::stop() {
  work_.reset();
  io_.stop();
  for (auto& t : threads_) {
    // Destroying the last owner from inside a handler must not join its own thread.
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

}  // namespace scales

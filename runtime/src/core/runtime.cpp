// SPDX-License-Identifier: Apache-2.0
#include "scales/core/runtime.h"

namespace scales {

Runtime::Runtime(int threads) : work_(io_.get_executor()) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
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

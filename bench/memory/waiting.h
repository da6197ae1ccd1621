// SPDX-License-Identifier: Apache-2.0
// Waiting for asynchronous work without polling or sleeping: Countdown for N completions (calls
// answered), drainLoop for an event loop to finish what it has queued. A deadline bounds every
// wait, so a lost completion becomes an error rather than a hang.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace scales::bench {

class Countdown {
 public:
  explicit Countdown(size_t count) : remaining_(count) {}

  // One completion; `error` (may be null) is kept if it is the first.
  void done(std::exception_ptr error = nullptr) {
    std::lock_guard lock(mutex_);
    if (error) {
      ++errors_;
      if (!first_error_) first_error_ = error;
    }
    if (remaining_ > 0 && --remaining_ == 0) finished_.notify_all();
  }

  // Whether every completion arrived within `timeout`.
  bool waitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return finished_.wait_for(lock, timeout, [this] { return remaining_ == 0; });
  }

  size_t remaining() {
    std::lock_guard lock(mutex_);
    return remaining_;
  }
  size_t errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  // The first error's message, or "" when none failed.
  std::string firstError() {
    std::lock_guard lock(mutex_);
    if (!first_error_) return "";
    try {
      std::rethrow_exception(first_error_);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "unknown error";
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable finished_;
  size_t remaining_;
  size_t errors_ = 0;
  std::exception_ptr first_error_;
};

// Returns once `executor`'s loop has run a no-op posted now, so what it had queued before (a
// write's completion, a handler's destruction) is done: memory is then sampled at rest, not in
// the middle of the loop's work. Throws when the loop does not get to it within `timeout`.
inline void drainLoop(const boost::asio::any_io_executor& executor,
                      std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto ran = done->get_future();
  boost::asio::post(executor, [done] { done->set_value(); });
  if (ran.wait_for(timeout) != std::future_status::ready) {
    throw std::runtime_error("the client's event loop did not run a posted task within " +
                             std::to_string(timeout.count()) + " ms");
  }
}

}  // namespace scales::bench

// SPDX-License-Identifier: Apache-2.0
// CallTrace: why a call failed, or went where it went. The retry filter starts one per call;
// every node a copy of the call reaches records the attempt (endpoint, kind, outcome, duration),
// and the layer that gives up records which limit ended the call. Errors that end a call carry a
// frozen copy, rendered into their what():
//   ... [2 attempts: 127.0.0.1:9001 ConnectionError (connection reset) 1.2ms; retry
//   127.0.0.1:9002 TimeoutError (...) 50.0ms; ended by: retry budget]
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/deadline.h"

namespace scales {

enum class AttemptKind : uint8_t {
  kFirst,    // the caller's call
  kRequeue,  // sent again because no server saw the previous attempt
  kRetry,    // sent again after a failure the policy calls retryable
  kBackup,   // a hedge sent while the previous attempt was still out
};

const char* attemptKindName(AttemptKind kind);

struct Attempt {
  std::string endpoint;  // host:port
  AttemptKind kind = AttemptKind::kFirst;
  bool finished = false;
  std::exception_ptr error;     // null: the attempt succeeded (described only when rendered)
  std::string outcome() const;  // "ok", or the error's type and message
  Duration took{};
};

// Every call has one (inside the deadline filter's per-call state), so the first attempts are
// stored inline: tracing a call that succeeds at once allocates nothing.
class CallTrace {
 public:
  // Records an attempt reaching `endpoint`; returns its index for finish().
  size_t start(std::string_view endpoint, AttemptKind kind);
  void finish(size_t index, const std::exception_ptr& error, Duration took);
  // What ended the call, when a limit did (e.g. "deadline", "retry budget", "max retries").
  void endedBy(std::string limit) { ended_by_ = std::move(limit); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Attempt& operator[](size_t i) const {
    return i < kInline ? inline_[i] : overflow_[i - kInline];
  }
  // Whether an attempt of this call went to `endpoint` (finished or not).
  bool tried(std::string_view endpoint) const;
  const std::string& endedBy() const { return ended_by_; }
  std::string render() const;

  // Timed notes for the call's span (when a requeue, retry or backup went out); kept for sampled
  // calls only (scales/tracing).
  void note(int64_t wall_us, const char* what) { notes_.emplace_back(wall_us, what); }
  const std::vector<std::pair<int64_t, const char*>>& notes() const { return notes_; }

 private:
  static constexpr size_t kInline = 2;
  Attempt& at(size_t i) { return i < kInline ? inline_[i] : overflow_[i - kInline]; }

  std::array<Attempt, kInline> inline_{};
  std::vector<Attempt> overflow_;
  size_t size_ = 0;
  std::string ended_by_;
  std::vector<std::pair<int64_t, const char*>> notes_;
};

// "TimeoutError (call to get missed its deadline)": an error's type and message, for traces.
std::string describeError(const std::exception_ptr& error);
// "TimeoutError": the scales error type's name ("exception" for other exceptions).
const char* errorTypeName(const std::exception_ptr& error);

}  // namespace scales

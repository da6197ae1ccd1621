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
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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
// stored inline: tracing a call that succeeds at once allocates nothing. What few calls need (a
// third attempt, the limit that ended the call, a sampled call's notes) is kept apart, so the
// state every call carries stays small.
class CallTrace {
 public:
  CallTrace() = default;
  CallTrace(const CallTrace& other)
      : inline_(other.inline_),
        size_(other.size_),
        rare_(other.rare_ ? std::make_unique<Rare>(*other.rare_) : nullptr) {}
  CallTrace& operator=(const CallTrace& other) {
    if (this != &other) *this = CallTrace(other);
    return *this;
  }
  // A moved-from trace is empty (its attempts past the inline ones went with the rest).
  CallTrace(CallTrace&& other) noexcept
      : inline_(std::move(other.inline_)),
        size_(std::exchange(other.size_, 0)),
        rare_(std::move(other.rare_)) {}
  CallTrace& operator=(CallTrace&& other) noexcept {
    inline_ = std::move(other.inline_);
    size_ = std::exchange(other.size_, 0);
    rare_ = std::move(other.rare_);
    return *this;
  }

  // Records an attempt reaching `endpoint`; returns its index for finish().
  size_t start(std::string_view endpoint, AttemptKind kind);
  void finish(size_t index, const std::exception_ptr& error, Duration took);
  // What ended the call, when a limit did (e.g. "deadline", "retry budget", "max retries").
  void endedBy(std::string limit) { rare().ended_by = std::move(limit); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Attempt& operator[](size_t i) const {
    return i < kInline ? inline_[i] : rare_->overflow[i - kInline];
  }
  // Whether an attempt of this call went to `endpoint` (finished or not).
  bool tried(std::string_view endpoint) const;
  const std::string& endedBy() const;
  std::string render() const;

  // Timed notes for the call's span (when a requeue, retry or backup went out); kept for sampled
  // calls only (scales/tracing).
  using Notes = std::vector<std::pair<int64_t, const char*>>;
  void note(int64_t wall_us, const char* what) { rare().notes.emplace_back(wall_us, what); }
  const Notes& notes() const;

 private:
  static constexpr size_t kInline = 2;
  struct Rare {
    std::vector<Attempt> overflow;  // attempts past the inline ones
    std::string ended_by;
    Notes notes;
  };
  Attempt& at(size_t i) { return i < kInline ? inline_[i] : rare_->overflow[i - kInline]; }
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }

  std::array<Attempt, kInline> inline_{};
  size_t size_ = 0;
  std::unique_ptr<Rare> rare_;
};

// "TimeoutError (call to get missed its deadline)": an error's type and message, for traces.
std::string describeError(const std::exception_ptr& error);
// "TimeoutError": the scales error type's name ("exception" for other exceptions).
const char* errorTypeName(const std::exception_ptr& error);

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// CallTrace: why a call failed, or went where it went. The retry filter starts one per call;
// every node a copy of the call reaches records the attempt (endpoint, kind, outcome, duration),
// and the layer that gives up records which limit ended the call. Errors that end a call carry a
// frozen copy, rendered into their what():
//   ... [2 attempts: 127.0.0.1:9001 ConnectionError (connection reset) 1.2ms; retry
//   127.0.0.1:9002 TimeoutError (...) 50.0ms; ended by: retry budget]
#pragma once

#include <cstddef>
#include <exception>
#include <string>
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
  std::string outcome;  // "ok", or the error's type and message
  Duration took{};
};

class CallTrace {
 public:
  // Records an attempt reaching `endpoint`; returns its index for finish().
  size_t start(std::string endpoint, AttemptKind kind);
  void finish(size_t index, const std::exception_ptr& error, Duration took);
  // What ended the call, when a limit did (e.g. "deadline", "retry budget", "max retries").
  void endedBy(std::string limit) { ended_by_ = std::move(limit); }

  const std::vector<Attempt>& attempts() const { return attempts_; }
  const std::string& endedBy() const { return ended_by_; }
  std::string render() const;

 private:
  std::vector<Attempt> attempts_;
  std::string ended_by_;
};

// "TimeoutError (call to get missed its deadline)": an error's type and message, for traces.
std::string describeError(const std::exception_ptr& error);

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// MethodPolicy: what the retry layer may do with one method's calls, and which of its replies are
// failures. It comes from the IDL (scales.idempotent, scales.timeout_ms on a function;
// scales.retryable, scales.failure on an exception type),
// which the generator turns into a table per service, and runtime configuration overrides it
// (ClientConfig::methods).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scales/core/deadline.h"

namespace scales {

struct MethodPolicy {
  // Safe to run twice: timeouts and broken connections may be retried on another endpoint.
  bool idempotent = false;
  // The whole call's budget for this method; unset: the client's timeout.
  std::optional<Duration> timeout;
  // Declared exceptions (by their field id in the result struct) after which the call may be
  // sent again, idempotent or not: the server says it did nothing.
  std::vector<int16_t> retryable_exceptions;
  // Declared exceptions that say the server is broken (scales.failure): they count against the
  // endpoint like a transport failure (failure accrual, the breaker, outlier detection).
  std::vector<int16_t> failure_exceptions;

  bool retryableException(int16_t field) const { return contains(retryable_exceptions, field); }
  bool failureException(int16_t field) const { return contains(failure_exceptions, field); }

 private:
  static bool contains(const std::vector<int16_t>& ids, int16_t field) {
    for (auto id : ids) {
      if (id == field) return true;
    }
    return false;
  }
};

// One declared exception of a method, as the generator describes it.
struct DeclaredException {
  int16_t field;     // its id in the result struct
  const char* type;  // the exception type's IDL name
  bool retryable;    // scales.retryable = "true" on the type
  bool failure;      // scales.failure = "true" on the type
};

// One method's policy as written in the IDL.
struct IdlMethodPolicy {
  const char* method;
  bool idempotent;
  int64_t timeout_ms;  // 0: none given
  std::vector<DeclaredException> exceptions;
};

// A runtime override of one method's IDL policy (ClientConfig::methods).
struct MethodOverride {
  std::optional<bool> idempotent;
  std::optional<Duration> timeout;
  // Exception type names (IDL names) to treat as retryable, replacing the IDL's choice.
  std::optional<std::vector<std::string>> retryable;
  // Exception type names to count as failures of the endpoint, replacing the IDL's choice.
  std::optional<std::vector<std::string>> failures;
};

}  // namespace scales

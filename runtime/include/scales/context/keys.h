// SPDX-License-Identifier: Apache-2.0
// The context keys scales reads and writes itself (Finagle's names). They travel in their own
// encodings, never as user broadcast contexts: one a caller names as a broadcast key is dropped
// (inherited) or refused (CallOptions), so nobody upstream can spoof a trace or a client id.
#pragma once

#include <string_view>

namespace scales {

inline constexpr std::string_view kDeadlineContextKey = "com.twitter.finagle.Deadline";
inline constexpr std::string_view kTraceContextKey = "com.twitter.finagle.tracing.TraceContext";
inline constexpr std::string_view kRetriesContextKey = "com.twitter.finagle.Retries";
inline constexpr std::string_view kClientIdContextKey =
    "com.twitter.finagle.thrift.ClientIdContext";

inline bool isReservedContextKey(std::string_view key) {
  return key == kDeadlineContextKey || key == kTraceContextKey || key == kRetriesContextKey ||
         key == kClientIdContextKey;
}

}  // namespace scales

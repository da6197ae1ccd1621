// SPDX-License-Identifier: Apache-2.0
// The identity of one span in a trace, as Finagle carries it (docs/tracing.md): the trace it
// belongs to, its own id, its parent's, and the sampling flags. Ids are random and never 0; a
// 128-bit trace id (W3C, B3 with 32 hex digits) keeps its upper half in trace_id_high.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scales {

struct TraceContext {
  // Finagle's flag bits (com.twitter.finagle.tracing.Flags).
  static constexpr uint64_t kDebug = 1;
  static constexpr uint64_t kSamplingKnown = 2;
  static constexpr uint64_t kSampled = 4;

  uint64_t trace_id_high = 0;
  uint64_t trace_id = 0;  // 0: no trace
  uint64_t span_id = 0;
  uint64_t parent_id = 0;  // 0: a root span
  uint64_t flags = 0;

  bool valid() const { return (trace_id != 0 || trace_id_high != 0) && span_id != 0; }
  bool debug() const { return (flags & kDebug) != 0; }
  bool samplingKnown() const { return debug() || (flags & kSamplingKnown) != 0; }
  // Recorded and exported: sampled upstream, or forced by the debug flag.
  bool sampled() const {
    return debug() || (flags & (kSamplingKnown | kSampled)) == (kSamplingKnown | kSampled);
  }
  void setSampled(bool sampled) {
    flags = (flags & ~(kSamplingKnown | kSampled)) | kSamplingKnown | (sampled ? kSampled : 0);
  }

  // A new span of the same trace whose parent is this one.
  TraceContext child() const;
  // A new root span; its sampling is left unknown (the tracer decides).
  static TraceContext root();

  // Lowercase hex: 16 digits, or 32 for a 128-bit trace id.
  std::string traceIdHex() const;
  static std::string idHex(uint64_t id);

  // Finagle's Mux context value (32 bytes, or 40 with trace_id_high), big-endian:
  // span, parent (= span for a root), trace, flags[, trace_id_high].
  static constexpr size_t kMaxMuxBytes = 40;
  size_t writeMux(char (&out)[kMaxMuxBytes]) const;  // returns the length written
  static std::optional<TraceContext> fromMux(std::string_view bytes);

  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

// A random id, never 0 (a per-thread generator: no lock, no system call per id).
uint64_t randomId();

}  // namespace scales

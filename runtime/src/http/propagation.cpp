// SPDX-License-Identifier: Apache-2.0
#include "scales/http/propagation.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>

#include "core/append_number.h"
#include "core/base64.h"
#include "scales/context/keys.h"
#include "scales/core/errors.h"

namespace scales::http {
namespace {
using scales::detail::base64Decode;
using scales::detail::base64Encode;

constexpr std::string_view kCtxPrefix = "Finagle-Ctx-";
constexpr std::string_view kDeadlineHeader = "Finagle-Ctx-com.twitter.finagle.Deadline";
constexpr std::string_view kRetriesHeader = "Finagle-Ctx-com.twitter.finagle.Retries";
// Room for the trace, deadline and retries fields in one allocation.
constexpr size_t kHeadersReserve = 384;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// Exactly `digits` hex digits (lowercase only when `strict`, as W3C asks).
std::optional<uint64_t> hex(std::string_view s, bool strict) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (!strict && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

template <class T>
std::optional<T> decimal(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A 16- or 32-digit trace id into `into`.
bool traceId(std::string_view s, bool strict, TraceContext& into) {
  if (s.size() == 32) {
    auto high = hex(s.substr(0, 16), strict), low = hex(s.substr(16), strict);
    if (!high || !low) return false;
    into.trace_id_high = *high;
    into.trace_id = *low;
  } else if (s.size() == 16) {
    auto low = hex(s, strict);
    if (!low) return false;
    into.trace_id = *low;
  } else {
    return false;
  }
  return into.trace_id != 0 || into.trace_id_high != 0;
}

bool spanId(std::string_view s, bool strict, uint64_t& into) {
  if (s.size() != 16) return false;
  auto id = hex(s, strict);
  if (!id || *id == 0) return false;
  into = *id;
  return true;
}

// B3's sampling state: "1"/"true" accept, "0"/"false" deny, "d" debug.
void b3Sampling(std::string_view s, TraceContext& into) {
  if (s == "d") {
    into.flags |= TraceContext::kDebug;
  } else if (s == "1" || iequals(s, "true")) {
    into.setSampled(true);
  } else if (s == "0" || iequals(s, "false")) {
    into.setSampled(false);
  }
}

// b3: {trace}-{span}[-{sampling}[-{parent}]], or {sampling} alone.
std::optional<TraceContext> fromB3Single(std::string_view v) {
  TraceContext c;
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    auto dash = v.find('-', start);
    parts.push_back(v.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos || parts.size() > 4) break;
    start = dash + 1;
  }
  if (parts.size() == 1) {
    b3Sampling(parts[0], c);  // a decision without ids: a new trace, decided so
    return c.flags ? std::optional(c) : std::nullopt;
  }
  if (parts.size() > 4 || !traceId(parts[0], false, c) || !spanId(parts[1], false, c.span_id)) {
    return std::nullopt;
  }
  if (parts.size() >= 3) b3Sampling(parts[2], c);
  if (parts.size() == 4 && !spanId(parts[3], false, c.parent_id)) return std::nullopt;
  return c;
}

// traceparent: 00-{32 hex trace}-{16 hex parent}-{2 hex flags}; later versions may append.
std::optional<TraceContext> fromTraceparent(std::string_view v) {
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  auto version = hex(v.substr(0, 2), true);
  if (!version || *version == 0xff) return std::nullopt;
  if (*version == 0 ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return std::nullopt;
  TraceContext c;
  auto flags = hex(v.substr(53, 2), true);
  if (!flags || !traceId(v.substr(3, 32), true, c) || !spanId(v.substr(36, 16), true, c.span_id)) {
    return std::nullopt;
  }
  c.setSampled((*flags & 1) != 0);
  return c;
}

// tracestate as W3C allows it: printable ASCII, at most 512 bytes here (what W3C asks every hop to
// pass on); anything else (CR, LF) would break the header it goes into.
bool validTraceState(std::string_view value) {
  if (value.empty() || value.size() > 512) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

int64_t wallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using scales::detail::appendDecimal;
using scales::detail::appendHex64;

// 16 digits, or 32 for a 128-bit trace id (or `wide`: W3C's is always 128 bits, zero-padded).
void appendTraceId(std::string& out, const TraceContext& span, bool wide) {
  if (span.trace_id_high || wide) appendHex64(out, span.trace_id_high);
  appendHex64(out, span.trace_id);
}
}  // namespace

TraceHeaders parseTraceHeaders(std::string_view name) {
  if (name == "b3") return TraceHeaders::kB3;
  if (name == "w3c") return TraceHeaders::kW3c;
  if (name == "both") return TraceHeaders::kBoth;
  if (name == "none") return TraceHeaders::kNone;
  throw ConfigError("trace_headers must be b3, w3c, both or none, not '" + std::string(name) + "'");
}

void addPropagationHeaders(std::string& wire, const scales::Request& call, TraceHeaders which) {
  std::string headers;
  // A field's name and separator; its value is appended to what this returns, then end().
  auto field = [&](std::string_view name) -> std::string& {
    if (headers.empty()) headers.reserve(kHeadersReserve);
    return headers.append(name).append(": ");
  };
  auto end = [&] { headers.append("\r\n"); };
  auto add = [&](std::string_view name, std::string_view value) {
    field(name).append(value);
    end();
  };
  const TraceContext& span = call.span;
  if (span.valid() && (which == TraceHeaders::kB3 || which == TraceHeaders::kBoth)) {
    appendTraceId(field("X-B3-TraceId"), span, false);
    end();
    appendHex64(field("X-B3-SpanId"), span.span_id);
    end();
    if (span.parent_id) {
      appendHex64(field("X-B3-ParentSpanId"), span.parent_id);
      end();
    }
    if (span.debug()) {
      add("X-B3-Flags", "1");  // debug implies sampled: B3 says not to send both
    } else if (span.samplingKnown()) {
      add("X-B3-Sampled", span.sampled() ? "1" : "0");
    }
  }
  // traceparent has no "undecided": a 00 would tell the next tier not to sample, so an undecided
  // trace goes by B3 only.
  if (span.valid() && span.samplingKnown() &&
      (which == TraceHeaders::kW3c || which == TraceHeaders::kBoth)) {
    auto& value = field("traceparent").append("00-");
    appendTraceId(value, span, true);
    value.append("-");
    appendHex64(value, span.span_id);
    value.append(span.sampled() ? "-01" : "-00");
    end();
  }
  if (!call.deadline.isInfinite()) {
    int64_t now = wallNanos();
    int64_t left =
        std::chrono::duration_cast<std::chrono::nanoseconds>(call.deadline.remaining()).count();
    auto& value = field(kDeadlineHeader);
    appendDecimal(value, now);
    value.append(" ");
    appendDecimal(value, now + std::min(left, INT64_MAX - now));
    end();
  }
  if (call.retries > 0) {
    appendDecimal(field(kRetriesHeader), call.retries);
    end();
  }
  for (const auto& [key, value] : call.broadcast) {
    if (key == kTraceStateKey) {
      // It may have come from anywhere upstream (a Mux context): only a clean one is written.
      bool w3c =
          span.samplingKnown() && (which == TraceHeaders::kW3c || which == TraceHeaders::kBoth);
      if (w3c && validTraceState(value)) add("tracestate", value);
    } else if (isToken(key) && !isReservedContextKey(key)) {
      add(std::string(kCtxPrefix) + key, base64Encode(value));
    }
  }
  if (headers.empty()) return;
  wire.insert(wire.find("\r\n") + 2, headers);
}

Inherited inboundFromHeaders(const HeaderViews& headers) {
  Inherited in;
  std::optional<TraceContext> b3_single, b3_multi, w3c;
  TraceContext multi;
  bool has_trace_id = false, has_span_id = false;
  std::string_view tracestate;
  size_t broadcast_bytes = 0;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "b3")) {
      b3_single = fromB3Single(value);
    } else if (iequals(name, "X-B3-TraceId")) {
      has_trace_id = traceId(value, false, multi);
    } else if (iequals(name, "X-B3-SpanId")) {
      has_span_id = spanId(value, false, multi.span_id);
    } else if (iequals(name, "X-B3-ParentSpanId")) {
      if (!spanId(value, false, multi.parent_id)) multi.parent_id = 0;
    } else if (iequals(name, "X-B3-Sampled")) {
      b3Sampling(value, multi);
    } else if (iequals(name, "X-B3-Flags")) {
      // Finagle writes its whole flag word in decimal; bit 0 is debug either way.
      if (auto flags = decimal<uint64_t>(value); flags && (*flags & TraceContext::kDebug)) {
        multi.flags |= TraceContext::kDebug;
      }
    } else if (iequals(name, "traceparent")) {
      w3c = fromTraceparent(value);
    } else if (iequals(name, "tracestate")) {
      tracestate = value;
    } else if (iequals(name, kDeadlineHeader)) {
      auto space = value.find(' ');
      if (space == std::string_view::npos) continue;
      auto at = decimal<int64_t>(value.substr(space + 1));
      if (!at || *at == INT64_MAX) continue;
      int64_t now = wallNanos();
      std::chrono::nanoseconds left(*at > now ? *at - now : 0);
      auto mono = Clock::now();
      if (left < Clock::time_point::max() - mono) in.deadline = Deadline(mono + left);
    } else if (iequals(name, kRetriesHeader)) {
      if (auto n = decimal<uint32_t>(value)) in.retries = *n;
    } else if (name.size() > kCtxPrefix.size() &&
               iequals(name.substr(0, kCtxPrefix.size()), kCtxPrefix)) {
      std::string_view key = name.substr(kCtxPrefix.size());
      if (isReservedContextKey(key) || key == kTraceStateKey) continue;  // not a user context
      auto decoded = base64Decode(value);
      if (!decoded || in.broadcast.size() >= kMaxInboundBroadcast ||
          broadcast_bytes + key.size() + decoded->size() > kMaxInboundBroadcastBytes) {
        continue;
      }
      broadcast_bytes += key.size() + decoded->size();
      in.broadcast.emplace_back(std::string(key), std::move(*decoded));
    }
  }
  if (has_trace_id && has_span_id) b3_multi = multi;
  if (b3_single) {
    in.trace = *b3_single;
  } else if (b3_multi) {
    in.trace = *b3_multi;
  } else if (w3c) {
    in.trace = *w3c;
  } else if (multi.flags) {
    in.trace.flags = multi.flags;  // a decision without ids
  }
  // tracestate means something only next to a valid traceparent (W3C), and is kept bounded.
  if (w3c && validTraceState(tracestate) && in.broadcast.size() < kMaxInboundBroadcast) {
    in.broadcast.emplace_back(std::string(kTraceStateKey), std::string(tracestate));
  }
  return in;
}

}  // namespace scales::http

// SPDX-License-Identifier: Apache-2.0
// The Mux wire format (shared/MUX.md §2): pure functions from messages to bytes and back. No I/O,
// no state; sessions (client and server) build on these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace scales::mux {

// Message type numbers. T-messages above 63 and R-messages below -63 are session control.
namespace type {
inline constexpr int8_t kTreq = 1;
inline constexpr int8_t kRreq = -1;
inline constexpr int8_t kTdispatch = 2;
inline constexpr int8_t kRdispatch = -2;
inline constexpr int8_t kTdrain = 64;
inline constexpr int8_t kRdrain = -64;
inline constexpr int8_t kTping = 65;
inline constexpr int8_t kRping = -65;
inline constexpr int8_t kTdiscarded = 66;
inline constexpr int8_t kRdiscarded = -66;
inline constexpr int8_t kTlease = 67;
inline constexpr int8_t kTinit = 68;
inline constexpr int8_t kRinit = -68;
inline constexpr int8_t kRerr = -128;
// "Early implementation bug" numbers that Finagle still sends; decoders accept both.
inline constexpr int8_t kRerrLegacy = 127;
inline constexpr int8_t kTdiscardedLegacy = -62;
}  // namespace type

inline constexpr uint32_t kMarkerTag = 0;   // no reply: Tdiscarded, Tlease
inline constexpr uint32_t kControlTag = 1;  // Tping, Tdrain, Tinit, the "tinit check" marker
inline constexpr uint32_t kMinTag = 2;      // dispatch tags: 2 .. 2^23-1
inline constexpr uint32_t kMaxTag = (1u << 23) - 1;
inline constexpr uint32_t kFragmentBit = 1u << 23;  // set on every fragment but the last
inline constexpr size_t kHeaderSize = 8;            // size:4 type:1 tag:3

using Pairs = std::vector<std::pair<std::string, std::string>>;

enum class ReplyStatus : uint8_t { kOk = 0, kError = 1, kNack = 2 };

struct Treq {
  uint32_t tag = 0;
  std::vector<std::pair<uint8_t, std::string>> keys;  // 1 = traceid, 2 = traceflag
  std::string body;
};
struct Rreq {
  uint32_t tag = 0;
  ReplyStatus status = ReplyStatus::kOk;
  std::string body;
};
struct Tdispatch {
  uint32_t tag = 0;
  Pairs contexts;
  std::string destination;
  Pairs dtab;
  std::string body;
};
struct Rdispatch {
  uint32_t tag = 0;
  ReplyStatus status = ReplyStatus::kOk;
  Pairs contexts;
  std::string body;
};
struct Tdrain {
  uint32_t tag = kControlTag;
};
struct Rdrain {
  uint32_t tag = kControlTag;
};
struct Tping {
  uint32_t tag = kControlTag;
};
struct Rping {
  uint32_t tag = kControlTag;
};
struct Tdiscarded {
  uint32_t discard_tag = 0;  // the dispatch to discard; the frame itself travels on tag 0
  std::string why;
};
struct Rdiscarded {
  uint32_t tag = 0;
};
struct Tlease {
  uint8_t unit = 0;  // 0: `amount` is a duration in ms
  uint64_t amount = 0;
};
struct Tinit {
  uint32_t tag = kControlTag;
  uint16_t version = 1;
  Pairs headers;
};
struct Rinit {
  uint32_t tag = kControlTag;
  uint16_t version = 1;
  Pairs headers;
};
struct Rerr {
  uint32_t tag = 0;
  std::string why;
};
// A well-framed message of a type this implementation does not know.
struct Unknown {
  int8_t type = 0;
  uint32_t tag = 0;
};

using Message = std::variant<Treq, Rreq, Tdispatch, Rdispatch, Tdrain, Rdrain, Tping, Rping,
                             Tdiscarded, Rdiscarded, Tlease, Tinit, Rinit, Rerr, Unknown>;

// Appends one whole frame (size prefix included) to `out`. Rerr and Tdiscarded use the numbers
// Finagle sends (127 and -62), which every Mux peer accepts. Throws ProtocolError if a field does
// not fit its length prefix or the tag is out of range.
void encode(const Message& message, std::string& out);

// The hot-path Tdispatch encoder: contexts as views, no Message built. Same bytes as encode().
using ContextView = std::pair<std::string_view, std::string_view>;
void encodeTdispatch(uint32_t tag, const ContextView* contexts, size_t count, std::string_view body,
                     std::string& out);

// A Tdispatch body read in place (the server's hot path): contexts stay encoded in
// `contexts` (nctx:2 (key~2 value~2)*), the rest are views into the body.
struct TdispatchView {
  std::string_view contexts;
  std::string_view destination;
  std::string_view body;
};
// Throws ProtocolError like decode() does.
TdispatchView viewTdispatch(std::string_view body);
// The value of context `key` in a TdispatchView's encoded contexts (already validated by
// viewTdispatch), or nullopt.
std::optional<std::string_view> findContext(std::string_view contexts, std::string_view key);

// The client's hot path: an Rdispatch body read in place (status, contexts skipped, the reply).
// Throws ProtocolError like decode().
struct RdispatchView {
  ReplyStatus status = ReplyStatus::kOk;
  std::string_view body;
};
RdispatchView viewRdispatch(std::string_view body);

// The Rdispatch encoder for a reply without contexts: the same bytes as encode().
void encodeRdispatch(uint32_t tag, ReplyStatus status, std::string_view body, std::string& out);

// Appends `frame` (one whole encoded frame) split into fragments whose bodies (after type and
// tag) are at most `max_fragment` bytes: every fragment but the last carries the fragment bit.
void appendFragmented(std::string_view frame, size_t max_fragment, std::string& out);

// One frame as it sits in a read buffer: views into it, no copies.
struct Frame {
  int8_t type = 0;
  uint32_t tag = 0;             // fragment bit removed
  bool more_fragments = false;  // the fragment bit was set
  std::string_view body;
};

enum class FrameStatus { kComplete, kNeedMore, kTooLarge, kMalformed };

// Reads the frame at the front of `buffer`. kComplete fills `frame` and `consumed`; kNeedMore
// means the buffer holds only part of it; kTooLarge that its size exceeds `max_frame`;
// kMalformed that its size cannot hold a type and tag.
FrameStatus readFrame(std::string_view buffer, size_t max_frame, Frame& frame, size_t& consumed);

// Decodes a complete message body (after fragments are joined). Throws ProtocolError naming what
// is malformed. Unknown types decode to Unknown.
Message decode(int8_t type, uint32_t tag, std::string_view body);

// Joins fragmented messages (MUX.md §2.3). Feed it every frame payload (type, tag, body; no
// length prefix); whole messages come out through `on_message(type, tag, body)`.
class Reassembler {
 public:
  explicit Reassembler(size_t max_message) : max_message_(max_message) {}

  // Throws ProtocolError for a payload shorter than type and tag, or a message over max_message.
  template <class OnMessage>
  void feed(std::string_view payload, OnMessage&& on_message) {
    auto [type, raw_tag] = header(payload);
    uint32_t tag = raw_tag & ~kFragmentBit;
    std::string_view body = payload.substr(4);
    bool more = (raw_tag & kFragmentBit) != 0;
    if (!more && partial_.empty()) return on_message(type, tag, body);  // the common case
    auto it = partial_.find(tag);
    if (!more && it == partial_.end()) return on_message(type, tag, body);
    std::string& joined = it == partial_.end() ? partial_[tag] : it->second;
    append(joined, body);
    if (more) return;
    std::string whole = std::move(joined);
    partial_.erase(tag);
    on_message(type, tag, std::string_view(whole));
  }

 private:
  static std::pair<int8_t, uint32_t> header(std::string_view payload);
  void append(std::string& joined, std::string_view body) const;

  size_t max_message_;
  std::unordered_map<uint32_t, std::string> partial_;
};

// The `mux-framer` handshake header: the largest fragment its sender accepts (i32 big-endian).
std::string framerHeader(size_t max_fragment);
// The limit a peer's `mux-framer` value sets, or nullopt for none (absent, zero or Int.MaxValue).
std::optional<size_t> parseFramerHeader(std::string_view value);

// The handshake marker: Rerr on the control tag with this text (MUX.md §2.6).
inline constexpr std::string_view kTinitCheck = "tinit check";

// Broadcast context keys (MUX.md §2.5).
inline constexpr std::string_view kDeadlineKey = "com.twitter.finagle.Deadline";
inline constexpr std::string_view kTraceKey = "com.twitter.finagle.tracing.TraceContext";
inline constexpr std::string_view kRetriesKey = "com.twitter.finagle.Retries";
inline constexpr std::string_view kClientIdKey = "com.twitter.finagle.thrift.ClientIdContext";
inline constexpr std::string_view kMuxFailureKey = "MuxFailure";

// MuxFailure flag bits carried in an Rdispatch context.
inline constexpr uint64_t kFailureRetryable = 1;
inline constexpr uint64_t kFailureRejected = 2;
inline constexpr uint64_t kFailureNonRetryable = 4;

}  // namespace scales::mux

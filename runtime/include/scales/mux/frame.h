// SPDX-License-Identifier: Apache-2.0
// The Mux wire format (docs/architecture.md, "Mux wire notes"): pure functions from messages to
// bytes and back. No I/O, no state; sessions (client and server) build on these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "scales/context/keys.h"

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
// Calls visit(key, value) for each context of an already validated Tdispatch view, in order.
void forEachContext(std::string_view contexts,
                    const std::function<void(std::string_view, std::string_view)>& visit);

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

// Joins fragmented messages (docs/architecture.md, "Fragmentation"). Feed it every frame payload
// (type, tag, body; no length prefix); whole messages come out through `on_message(type, tag,
// body)`. What it holds is bounded: `max_bytes` for all messages in reassembly together,
// `max_messages` of them at once, and a new message may start only on a tag `may_fragment(type,
// tag)` accepts (a client: a tag with a call waiting for its reply), so a peer cannot park
// fragments on tags of its choosing.
class Reassembler {
 public:
  explicit Reassembler(size_t max_bytes, size_t max_messages = SIZE_MAX)
      : max_bytes_(max_bytes), max_messages_(max_messages) {}

  // Throws ProtocolError for a payload shorter than type and tag, a fragment `may_fragment`
  // refuses or of another type than its message's first, or bytes or messages over the bounds.
  template <class OnMessage, class MayFragment>
  void feed(std::string_view payload, OnMessage&& on_message, MayFragment&& may_fragment) {
    auto [type, raw_tag] = header(payload);
    uint32_t tag = raw_tag & ~kFragmentBit;
    std::string_view body = payload.substr(4);
    bool more = (raw_tag & kFragmentBit) != 0;
    if (!more && partial_.empty()) return on_message(type, tag, body);  // the common case
    auto it = partial_.find(tag);
    if (!more && it == partial_.end()) return on_message(type, tag, body);
    if (it == partial_.end()) {
      if (!may_fragment(type, tag)) refuse(tag, "may not carry a fragmented message");
      if (partial_.size() >= max_messages_) refuse(tag, "would pass max_messages in reassembly");
      it = partial_.emplace(tag, Partial{type, {}}).first;
    } else if (it->second.type != type) {
      refuse(tag, "changes message type between fragments");
    }
    append(it->second.bytes, body);
    if (more) return;
    std::string whole = std::move(it->second.bytes);
    bytes_ -= whole.size();
    partial_.erase(it);
    on_message(type, tag, std::string_view(whole));
  }
  // Any tag may carry fragments (the bounds on bytes and messages still hold).
  template <class OnMessage>
  void feed(std::string_view payload, OnMessage&& on_message) {
    feed(payload, std::forward<OnMessage>(on_message), [](int8_t, uint32_t) { return true; });
  }

  // Bytes held for messages not yet complete.
  size_t bufferedBytes() const { return bytes_; }
  bool reassembling(uint32_t tag) const { return partial_.count(tag) > 0; }

 private:
  struct Partial {
    int8_t type;
    std::string bytes;
  };
  static std::pair<int8_t, uint32_t> header(std::string_view payload);
  void append(std::string& joined, std::string_view body);
  [[noreturn]] static void refuse(uint32_t tag, const char* why);

  size_t max_bytes_;
  size_t max_messages_;
  size_t bytes_ = 0;
  std::unordered_map<uint32_t, Partial> partial_;
};

// The `mux-framer` handshake header: the largest fragment its sender accepts (i32 big-endian).
std::string framerHeader(size_t max_fragment);
inline constexpr size_t kMinFragmentBytes = 4096;
// The limit a peer's `mux-framer` value sets, or nullopt for none (absent, zero or Int.MaxValue).
// Values below kMinFragmentBytes are raised to it: 8 bytes of header per fragment of a few bytes
// would let a peer multiply every reply's size (1-byte fragments: 9x).
std::optional<size_t> parseFramerHeader(std::string_view value);

// Tinit and Rinit are read before anything else and cost the io thread time: a few headers of a
// few bytes are all a handshake needs (Finagle sends two or three), so larger ones are refused.
inline constexpr size_t kMaxInitBytes = 64 * 1024;
inline constexpr size_t kMaxInitHeaders = 128;

// The handshake marker: Rerr on the control tag with this text (docs/architecture.md, "Handshake").
inline constexpr std::string_view kTinitCheck = "tinit check";

// Broadcast context keys (docs/architecture.md, "Tdispatch and Rdispatch").
inline constexpr std::string_view kDeadlineKey = kDeadlineContextKey;
inline constexpr std::string_view kTraceKey = kTraceContextKey;
inline constexpr std::string_view kRetriesKey = kRetriesContextKey;
inline constexpr std::string_view kClientIdKey = kClientIdContextKey;
inline constexpr std::string_view kMuxFailureKey = "MuxFailure";

// MuxFailure flag bits carried in an Rdispatch context.
inline constexpr uint64_t kFailureRetryable = 1;
inline constexpr uint64_t kFailureRejected = 2;
inline constexpr uint64_t kFailureNonRetryable = 4;

}  // namespace scales::mux

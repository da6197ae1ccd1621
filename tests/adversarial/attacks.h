// SPDX-License-Identifier: Apache-2.0
// The attacks of the hardening issue, each one bounded in connections, bytes and time, over raw
// sockets to 127.0.0.1 (raw_conn.h). Each returns what the attacker saw; the tests and the soak
// decide what must hold. Keys carry a prefix ("unread:", "discard:", ...) that hardening_server
// counts per prefix, so a test can tell whether a handler ran for them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raw_conn.h"

namespace scales::adversarial {

using Clock = std::chrono::steady_clock;

// Connections an attack holds open, and since when each has been attacked.
struct Held {
  std::vector<std::unique_ptr<RawConn>> conns;
  std::vector<Clock::time_point> since;
  int failed_connects = 0;
  void add(std::unique_ptr<RawConn> conn);
  size_t size() const { return conns.size(); }
  void resetAll();  // closes every connection (RST)
};

// Watches `held` until the server has closed every connection or `timeout` passes, sending one
// byte to each still-open connection every `trickle` (0: never). Returns, per connection, the
// seconds from its `since` to the close, or -1 if still open.
std::vector<double> watchCloses(Held& held, Millis timeout, Millis trickle = Millis(0));
int countClosed(const std::vector<double>& closes);

// 8-byte frame headers announcing `announced` bytes and nothing else: Mux (a Tdispatch header)
// and framed (length, then 80 01 00 01, the start of a strict-binary call).
Held openHeaderOnly(uint16_t port, int mux, int framed, uint32_t announced);
// Connections that finish a first frame (Mux: the Tinit handshake; framed: one call, answered),
// then send the 8-byte header of a frame announcing 1,000 bytes (`since` = then). Slowloris.
Held openSlowloris(uint16_t port, int mux, int framed);
// Up to `count` connections that send nothing, within `budget`.
Held openSilent(uint16_t port, int count, Millis connect_timeout, Millis budget);

// Many calls whose replies are large (the key "pad:<pad>:unread:<i>"), pipelined on one
// connection whose reader does not read. send() is tried for `send_window`;
// collect() then reads every reply while sending the rest, and checks each is its call's own.
// Each call is held `delay_ms` by the handler.
class UnreadPeer {
 public:
  UnreadPeer(uint16_t port, bool mux, int calls, size_t pad, int32_t delay_ms = 0);
  // Mux only, before sending: `count` calls of the same reply size, one at a time, each reply
  // read before the next call (tags after the unread calls'), so that the server has learnt what
  // this connection's replies weigh. False if one was not answered with its own reply.
  bool learnReplies(int count);
  // Sends for `window` without reading; returns bytes the server took.
  uint64_t sendWithoutReading(Millis window);
  struct Check {
    int ok = 0, nacked = 0, errors = 0, wrong = 0, missing = 0, duplicates = 0;
    std::string first_problem;
  };
  Check collect(Millis timeout);
  uint64_t bytesSent() const { return sent_; }
  uint64_t bytesTotal() const { return out_.size(); }
  RawConn& conn() { return *conn_; }

 private:
  bool mux_;
  int calls_;
  size_t pad_;
  std::unique_ptr<RawConn> conn_;
  std::string out_;
  uint64_t sent_ = 0;
};

// Tdispatch after Tdispatch on one Mux connection (tags 2, 3, ...), each "flood:<tag>" with
// `delay_ms`, sent for `send_window` without reading, then read (while sending the rest) for
// `read_window`.
struct DispatchFlood {
  int calls_sent = 0;
  int ok = 0, nacks = 0, errors = 0, other = 0, duplicates = 0, wrong = 0;
  int nacks_before_first_ok = 0;
  double first_ok_s = -1;  // seconds after the first byte was sent
};
DispatchFlood dispatchFlood(uint16_t port, int calls, int32_t delay_ms, Millis send_window,
                            Millis read_window);

// Fragments that never complete: one (with `fragment_bytes` of body) on each of `tags` distinct
// tags; or, with `same_tag`, all on tag 2. Stops when the server closes the connection.
struct FragmentFlood {
  int fragments_sent = 0;
  bool closed = false;
  double closed_after_s = -1;  // after the last fragment sent
};
FragmentFlood fragmentFlood(uint16_t port, int fragments, size_t fragment_bytes, bool same_tag);

// A call in flight on tag 5 ("first:1", held `delay_ms`), then a second Tdispatch on the same
// tag ("second:1"), whole or in two fragments, then a Tping. Every frame that came back on tag 5
// until the first call's reply (or the close, or `timeout`).
struct DuplicateTag {
  std::vector<wire::MuxFrame> tag5;
  bool pinged = false;  // the Rping after them came back
  bool closed = false;
};
DuplicateTag duplicateTag(uint16_t port, int32_t delay_ms, bool fragmented, Millis timeout);

// A Tinit of `headers` empty headers (8 bytes each: 2,000,000 make a 16 MB frame).
struct TinitBomb {
  bool fully_sent = false;
  double send_s = 0;
  std::string outcome;   // "closed", "rerr", "rinit", "other", "timeout"
  double outcome_s = 0;  // after the send ended
};
TinitBomb tinitBomb(uint16_t port, int headers, Millis timeout);

// Tinit with mux-framer = 1, then one call whose reply is `pad` bytes: the bytes it cost.
struct FramerOne {
  bool handshake = false;
  bool ok = false;
  int frames = 0;
  uint64_t wire_bytes = 0;     // every frame of the reply, headers included
  uint64_t message_bytes = 0;  // the reassembled Rdispatch body
};
FramerOne framerOne(uint16_t port, size_t pad);

// With every handler thread busy on a call held `hold_ms` (tag 2), `count` more calls
// ("discard:<tag>") are queued and then discarded (Tdiscarded).
struct DiscardQueued {
  int rdiscarded = 0;
  double last_rdiscarded_s = -1;  // after the last Tdiscarded was sent
  int replies_for_discarded = 0;  // Rdispatch on a discarded tag (must not happen)
  bool hold_answered = false;
};
DiscardQueued discardQueued(uint16_t port, int32_t hold_ms, int count);

// `count` calls ("expired:<i>") whose Deadline context passed a second ago, then one
// ("control:1") with ten seconds left.
struct ExpiredDeadlines {
  int answered = 0;  // expired calls that got any answer
  int echoed = 0;    // expired calls answered with their key: the handler ran
  bool control_ok = false;
};
ExpiredDeadlines expiredDeadlines(uint16_t port, int count, Millis timeout);

// `count` calls ("ctx:<i>") on one connection, each a Tdispatch carrying a debug-flagged
// TraceContext (recorded whatever the sample rate) and `contexts` user contexts of distinct
// 8-byte keys, plus the same keys again (a repeated key: the first must stand).
struct ContextFlood {
  int answered = 0;  // calls answered
  int echoed = 0;    // calls answered with their own key
  size_t bytes_sent = 0;
};
ContextFlood contextFlood(uint16_t port, int count, int contexts, Millis timeout);

// A framed first frame that is not a call: a strict-binary message of `message_type` (2 REPLY,
// 3 EXCEPTION). What came back within `timeout`.
struct NotACall {
  bool answered = false;
  bool closed = false;
  std::optional<wire::ThriftReply> reply;
  double seconds = -1;
};
NotACall framedFirstFrameNotACall(uint16_t port, int8_t message_type, Millis timeout);

// After the handshake, on a marker tag (0 or 1): a Tdispatch ("tag<t>:1", no delay), a Tping, or
// the first fragment of a Tdispatch; then a Tping on tag 1. What came back on `tag` before the
// Rping (or the close).
enum class MarkerProbe { kDispatch, kPing, kFragment };
struct MarkerTag {
  bool served = false;  // Rdispatch OK with the echo, or (for a Tping on tag 0) Rping on tag 0
  std::vector<int8_t> types;  // every frame type seen on `tag`
  bool pinged = false;
  bool closed = false;
};
MarkerTag markerTag(uint16_t port, MarkerProbe probe, uint32_t tag, Millis timeout);

// A peer that goes quiet: framed (one call, then silence), Mux without Tinit (one call, then
// silence), Mux after Tinit that never answers anything, or Mux after Tinit that answers each
// Tping (Rping) and Tdrain (Rdrain) and says nothing else. Seconds from its last call's reply to
// the server's first Tping, first Tdrain and the close (-1: did not happen within `watch`).
enum class QuietPeer { kFramed, kMuxNoInit, kMuxSilent, kMuxAnswering };
struct Quiet {
  double pinged_s = -1;
  double drained_s = -1;
  double closed_s = -1;
  bool started = false;  // the first call was answered
};
Quiet quietPeer(uint16_t port, QuietPeer kind, Millis watch);

// An 8-byte frame header announcing `announced` bytes as the first frame (Mux or framed): the
// seconds until the server closed the connection (-1: not within `timeout`).
double oversizedFrame(uint16_t port, bool mux, uint32_t announced, Millis timeout);

// `frames` malformed frames on one connection that made a good first call (framed: 4-byte
// payloads 80 01 00 01, a call header cut short; Mux: Tdispatch with a 1-byte body, each on its
// own tag), then one good call whose answer (or the close) ends the count. Bytes each way, the
// good first call and handshake excluded.
struct Amplification {
  uint64_t sent = 0;
  uint64_t received = 0;
  bool closed = false;
  bool last_call_answered = false;
};
Amplification malformedFrames(uint16_t port, bool mux, int frames, Millis timeout);

}  // namespace scales::adversarial

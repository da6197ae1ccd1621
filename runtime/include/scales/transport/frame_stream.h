// SPDX-License-Identifier: Apache-2.0
// A socket carrying delimited messages: 4-byte big-endian length-prefixed frames by default
// (framed Thrift, Mux, Kafka), or whatever a Framer finds (Redis' RESP). Reads drain every complete
// frame in the buffer per wake-up; what handling them produces is held until the read is handled
// (or a few KiB are queued), and writes queued while one is in flight leave together in the next
// one. This batching is where throughput comes from (docs/architecture.md, "Threading model").
//
// Memory follows bytes received, never what a header claims: the read buffer starts small and
// grows as data arrives (to at most one frame), and is given back once a large frame is handled.
// Servers can also pause reading while output is unsent (backpressure) and charge large read
// buffers to a shared budget.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scales/core/deadline.h"
#include "scales/transport/stream.h"

namespace scales::transport {

// Memory shared by many streams (a server's max_buffered_bytes). Thread-safe.
class MemoryBudget {
 public:
  explicit MemoryBudget(size_t limit) : limit_(limit) {}
  // Charges `n` bytes; false, with nothing charged, when that would pass the limit.
  bool tryCharge(size_t n) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ - std::min(used, limit_)) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void release(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  std::atomic<size_t> used_{0};
};

// Where the first whole message in a buffer lies: its payload at [offset, offset + size), and
// `consumed` bytes to drop once it is handled.
struct FrameBounds {
  size_t offset;
  size_t size;
  size_t consumed;
};
// Finds the first whole message in `buffered`, or nullopt while it is incomplete, then setting
// `needed` to a size (more than buffered.size()) `buffered` must reach before the message can be
// whole: the stream does not ask again before. Throws ProtocolError for bytes that can never
// become a message, or one over `max_frame` bytes.
using Framer = std::optional<FrameBounds> (*)(std::string_view buffered, size_t max_frame,
                                              size_t& needed);

class FrameStream {
 public:
  // `payload` is the frame without its length prefix; it is valid only during the call.
  using OnFrame = std::function<void(std::string_view payload)>;
  // Called once, when the stream ends: null for a close by us, else what went wrong
  // (ConnectionError for the socket, ProtocolError for an oversized frame).
  using OnClose = std::function<void(std::exception_ptr why)>;

  // A null `framer` reads 4-byte big-endian length-prefixed frames.
  FrameStream(Stream stream, size_t max_frame, Framer framer = nullptr);
  ~FrameStream();
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  // Starts the read loop. `owner` is kept alive while I/O is outstanding. Bytes already read
  // from the socket by someone else (protocol sniffing) are processed first.
  void start(std::shared_ptr<void> owner, OnFrame on_frame, OnClose on_close,
             std::string already_read = {});

  // Appends whole frames (length prefix included) to send; flush() starts the write. While the
  // frames of one read are being handled, flushes wait for the last of them or for a few KiB:
  // the replies (or next calls) they produce leave in a few writes, not one each.
  std::string& outbox() { return outbox_; }
  void flush();
  // How much a read's handling may hold back (kDefaultHeldBytes unless set). Holding everything
  // to the end of the read makes the two sides take turns (the peer idles while this side
  // handles a whole batch); writing each frame at once wakes the peer per frame. A few KiB lets
  // the peer start on the first part of a batch while this side produces the rest: measured at
  // 64 calls in flight (scripts/bench.sh), 1.6x the throughput of either extreme at the same CPU
  // per call. A peer slower per frame than this side gains from smaller parts.
  static constexpr size_t kDefaultHeldBytes = 4 * 1024;
  void setHeldBytes(size_t bytes) { held_bytes_ = bytes; }
  // Begins TLS on this connection once the frame being handled returns and everything queued is
  // written (Mux's opportunistic TLS: the Rinit goes out in plaintext, then both sides upgrade).
  // `handshake` runs the TLS handshake on the stream and calls back; until then no frame is
  // read or written. Plaintext bytes after the frame are a ProtocolError. Call from on_frame.
  using Upgrade = std::function<void(Stream& stream, std::function<void(std::exception_ptr)>)>;
  void upgradeAfterThisFrame(Upgrade handshake);
  bool upgrading() const { return upgrade_ || upgrade_running_; }

  // Closes the socket; pending reads and writes end and on_close runs (with "").
  void close();
  // Closes once everything queued so far has been written.
  void closeAfterFlush();

  bool open() const { return open_; }
  boost::asio::ip::tcp::socket& socket() { return stream_.socket(); }
  Stream& stream() { return stream_; }
  size_t bufferedBytes() const { return outbox_.size() + writing_.size(); }

  // Backpressure (servers): while more than `max_unsent` bytes wait to be sent, no frame is
  // handled, read or not, and the socket is not read, until they drain; `on_pause` runs each time
  // this begins.
  // Call before start().
  void limitUnsent(size_t max_unsent, std::function<void()> on_pause);
  // Read-buffer growth past kFreeReadBytes is charged to `budget`; when it is refused, reading
  // pauses (`on_pause` runs) until retryRead() finds the budget again. Call before start().
  void chargeReadsTo(MemoryBudget* budget, std::function<void()> on_pause);
  // Reads again if reading paused waiting for the budget.
  void retryRead();
  // Output the owner expects to write soon (the replies of calls in flight), counted with what
  // waits unsent against max_unsent: replies come after their calls are handled, so without it a
  // read of a thousand small calls would be handled whole and answered with a thousand replies.
  void expectOutput(size_t bytes) { expected_output_ = bytes; }
  // Whether expected output pauses reading too (the default, for protocols that cannot refuse a
  // call), or only unsent output does: for owners that refuse calls over the limit themselves
  // (outputOverLimit(); Mux answers them with a nack) and must go on reading control messages,
  // pings above all, while calls they hold are slow to answer. Call before start().
  void pauseForExpectedOutput(bool pause) { pause_for_expected_ = pause; }
  // Unsent plus expected output is past max_unsent: a call taken now would add to it.
  bool outputOverLimit() const {
    return max_unsent_ > 0 && bufferedBytes() + expected_output_ > max_unsent_;
  }
  // Handles what was held back and reads again, if output (unsent or expected) is now within the
  // limit; for the owner, when expected output shrank without a write.
  void resumeIfDrained();

  // When the frame now partly in the buffer began to arrive (coarse clock), if one is.
  std::optional<Clock::time_point> partialSince() const { return partial_since_; }
  // The read buffer's size: what this connection holds of the peer's bytes.
  size_t readCapacity() const { return in_.size(); }
  // What the two write buffers (one filling, one being written) hold room for.
  size_t writeCapacity() const { return outbox_.capacity() + writing_.capacity(); }

  // Read buffers start at this size; a connection may hold this much without a budget.
  static constexpr size_t kInitialReadBytes = 4 * 1024;
  static constexpr size_t kFreeReadBytes = 64 * 1024;
  // A write buffer that grew past this for a burst is freed once a batch has used less than a
  // quarter of it: the two buffers swap, so a connection would otherwise keep twice its largest
  // burst for good.
  static constexpr size_t kKeptWriteBytes = 64 * 1024;

 private:
  void read();
  // Grows the read buffer when it is full, by what has arrived (doubling) and never past the
  // frame in it; false when the budget refused the growth.
  bool makeRoom();
  void setCapacity(size_t capacity);
  void noteProgress(size_t consumed);
  bool outputBlocked() const {
    return max_unsent_ > 0 &&
           bufferedBytes() + (pause_for_expected_ ? expected_output_ : 0) > max_unsent_;
  }
  // True (and reading paused) when no more frames may be handled until output drains.
  bool holdForOutput();
  // Handles what has been read, with flushes held until the end.
  void processRead();
  void processBuffer();
  void processFramed();
  void processPrefixed(size_t& pos);
  void fail(std::exception_ptr why);
  // Runs the pending upgrade once nothing is being read or written.
  void beginUpgrade();

  Stream stream_;
  size_t max_frame_;
  Framer framer_;
  // Weak: the owner holds this stream, so a strong reference would keep both alive forever.
  // Each outstanding operation holds a strong one instead.
  std::weak_ptr<void> owner_;
  OnFrame on_frame_;
  OnClose on_close_;
  std::string in_;  // [0, in_used_) holds unprocessed bytes
  size_t in_used_ = 0;
  // The whole size of the frame at the front of in_, once its header has been read.
  size_t frame_needed_ = 0;
  // What the framer said the message at the buffer's start needs before it can be whole.
  size_t framer_needed_ = 0;
  std::optional<Clock::time_point> partial_since_;
  size_t max_unsent_ = 0;
  size_t expected_output_ = 0;
  bool pause_for_expected_ = true;
  std::function<void()> on_output_pause_;
  MemoryBudget* budget_ = nullptr;
  size_t charged_ = 0;
  std::function<void()> on_memory_pause_;
  bool reading_ = false;        // a read is outstanding
  bool output_paused_ = false;  // not reading until output drains
  bool memory_paused_ = false;  // not reading until the budget allows growth
  std::string outbox_;
  std::string writing_;
  bool write_in_flight_ = false;
  bool handling_read_ = false;
  bool flush_held_ = false;
  size_t held_bytes_ = kDefaultHeldBytes;
  bool close_after_flush_ = false;
  bool open_ = true;
  bool closed_notified_ = false;
  Upgrade upgrade_;
  bool upgrade_running_ = false;
};

// Appends a 4-byte big-endian length followed by `payload`.
void appendLengthPrefixed(std::string& out, std::string_view payload);

}  // namespace scales::transport

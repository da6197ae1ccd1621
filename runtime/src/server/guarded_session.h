// SPDX-License-Identifier: Apache-2.0
// The half every server session shares: the connection's stream with its memory limits
// (backpressure over max_unsent_bytes, large read buffers charged to the server's budget), and
// one periodic tick that enforces the time limits (handshake, read progress, idle) without
// timer work per frame. The protocol halves (Mux, framed) add the calls.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "scales/core/coarse_clock.h"
#include "scales/core/deadline.h"
#include "session.h"

namespace scales::server::detail {

class GuardedSession : public Session {
 public:
  void close() override { stream_.close(); }

 protected:
  GuardedSession(transport::Stream stream, SessionSetup setup);

  // Starts reading and ticking. `self` is this session: I/O and the tick keep it alive.
  void startGuarded(std::shared_ptr<GuardedSession> self, std::string already_read);

  // One whole frame from the peer (after the limits' bookkeeping).
  virtual void onFrame(std::string_view payload) = 0;
  // Calls dispatched on this connection and not yet answered.
  virtual size_t callsInFlight() const = 0;
  // No call in flight and nothing received for idle_timeout (the session closes by default).
  virtual void onIdle() { stream_.close(); }
  // Each tick, after the common limits (Mux: liveness pings).
  virtual void onTick(Clock::time_point /*now*/) {}

  // Ends the connection for breaking a limit, counting it.
  void closeFor(metrics::Counter& counter) {
    if (!stream_.open()) return;
    counter.add();
    stream_.close();
  }
  // The peer's host:port (empty once the socket is gone), for spans.
  std::string remoteAddress();
  ServerShared& shared() { return *setup_.shared; }
  const ServerOptions& options() const { return setup_.shared->options; }
  Clock::time_point lastFrame() const { return last_frame_; }
  // Frames received so far (a clock of the coarse kind can give two frames the same time).
  uint64_t framesReceived() const { return frames_; }
  // A call was dispatched (after callsInFlight() counts it), or answered with `reply_bytes`
  // (after it no longer counts; nullopt when no reply is written, e.g. a discarded call). Keeps
  // the connection from looking idle, and tells backpressure what output the calls in flight
  // will bring: their number times the connection's average reply, which starts from the
  // server's typical reply and moves an eighth of the way to each of its own.
  void callStarted() {
    last_call_ = coarseNow();
    stream_.expectOutput(static_cast<size_t>(double(callsInFlight()) * average_reply_));
  }
  void callEnded(std::optional<size_t> reply_bytes) {
    last_call_ = coarseNow();
    if (reply_bytes) {
      average_reply_ += (double(*reply_bytes) - average_reply_) / 8;
      if (++replies_ % kPublishEveryReplies == 0) shared().publishAverageReply(average_reply_);
    }
    stream_.expectOutput(static_cast<size_t>(double(callsInFlight()) * average_reply_));
    stream_.resumeIfDrained();
  }

  // Declared first, so destroyed last: the stream gives its read budget back to the server's
  // shared state on destruction.
  SessionSetup setup_;
  transport::FrameStream stream_;

 private:
  void scheduleTick();
  void tick();
  void closed(std::exception_ptr why);

  std::weak_ptr<GuardedSession> self_;
  boost::asio::steady_timer tick_;
  Duration tick_every_;
  Clock::time_point started_;
  Clock::time_point last_frame_;
  Clock::time_point last_call_;
  uint64_t frames_ = 0;
  // Bytes; a moving average over the last few replies. It starts from the server's typical reply,
  // at most a sixteenth of max_unsent_bytes: clients whose replies are heavy (an attacker's
  // among them) cannot make every new connection start with room for fewer than 16 calls.
  double average_reply_ = 0;
  uint64_t replies_ = 0;
  static constexpr uint64_t kPublishEveryReplies = 8;
};

}  // namespace scales::server::detail

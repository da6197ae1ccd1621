// SPDX-License-Identifier: Apache-2.0
// Mux on the server (docs/architecture.md, "Handshake" and "Session semantics"): echoes the "tinit
// check" marker and answers Tinit, runs Tdispatch calls concurrently, answers pings, honours
// Tdiscarded (Rdiscarded now, a queued handler skipped, the late reply dropped), and drains on
// request: Tdrain, then close once Rdrain came and nothing is in flight. Calls that arrive while
// draining or over a limit are NACKed so the client sends them elsewhere; fragments only start on
// free tags, within bounds; a negotiated client that goes silent is pinged.
#include <boost/asio/dispatch.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <limits>
#include <optional>

#include "guarded_session.h"
#include "inbound.h"
#include "scales/core/call_memory.h"
#include "scales/core/errors.h"
#include "scales/mux/frame.h"
#include "transport/tls_context.h"

namespace scales::server::detail {
namespace {
namespace asio = boost::asio;
using namespace scales::mux;

class MuxSession final : public GuardedSession, public std::enable_shared_from_this<MuxSession> {
 public:
  MuxSession(transport::Stream stream, SessionSetup setup)
      : GuardedSession(std::move(stream), std::move(setup)),
        fragments_(options().max_message_bytes, options().max_reassembling_messages) {
    // Calls whose replies would pass max_unsent_bytes are refused (onDispatch) rather than left
    // unread: a connection whose calls are slow to answer must still hear the client's pings, or
    // the client gives the connection up, and every call on it, after its ping timeout.
    stream_.pauseForExpectedOutput(false);
  }

  ~MuxSession() override {
    if (reassembly_charged_ > 0) shared().arriving_budget.release(reassembly_charged_);
  }

  void start(std::string already_read) override {
    startGuarded(shared_from_this(), std::move(already_read));
  }

  void drain() override {
    if (draining_) return;
    draining_ = true;
    send(Tdrain{kControlTag});
  }

 private:
  struct InFlight {
    uint64_t serial;
    std::shared_ptr<CallControl> control;
  };

  size_t callsInFlight() const override { return in_flight_.size(); }

  void onIdle() override {
    // A negotiated client is told to go elsewhere; one that cannot hear Tdrain (no Tinit), or
    // that was told and stayed, is closed.
    if (negotiated_ && !draining_) return drain();
    stream_.close();
  }

  void onTick(Clock::time_point now) override {
    if (!negotiated_ || options().ping_interval <= Duration::zero()) return;
    if (ping_sent_) {
      if (framesReceived() > frames_at_ping_) {
        ping_sent_.reset();  // anything received since proves the peer alive
      } else if (options().ping_timeout > Duration::zero() &&
                 now - *ping_sent_ > options().ping_timeout) {
        return closeFor(*shared().counters.ping_timeouts);
      }
      return;
    }
    if (now - lastFrame() >= options().ping_interval) {
      ping_sent_ = now;
      frames_at_ping_ = framesReceived();
      send(Tping{kControlTag});
    }
  }

  void send(const Message& message) {
    encode(message, stream_.outbox());
    stream_.flush();
  }

  // Ends a session whose peer broke the protocol; nothing it says can be trusted to be framed.
  void protocolError() { closeFor(*shared().counters.protocol_errors); }

  void onFrame(std::string_view payload) override {
    size_t before = fragments_.bufferedBytes();
    try {
      fragments_.feed(
          payload,
          [this](int8_t type_byte, uint32_t tag, std::string_view body) {
            onMessage(type_byte, tag, body);
          },
          [this](int8_t type_byte, uint32_t tag) {
            // Only calls are fragmented towards a server, each on a tag not already in use.
            return type_byte == type::kTdispatch && tag >= kMinTag && !in_flight_.count(tag);
          });
    } catch (const ProtocolError&) {
      return protocolError();
    }
    chargeReassembly(before);
  }

  // Reassembly is charged to the server's memory budget; a session that cannot get it ends.
  void chargeReassembly(size_t before) {
    size_t now = fragments_.bufferedBytes();
    if (now == before) return;
    size_t want = now > kFreeReassembly ? now - kFreeReassembly : 0;
    if (want > reassembly_charged_) {
      if (!shared().arriving_budget.tryCharge(want - reassembly_charged_)) {
        shared().counters.memory_pauses->add();
        return stream_.close();
      }
    } else {
      shared().arriving_budget.release(reassembly_charged_ - want);
    }
    reassembly_charged_ = want;
  }

  void onMessage(int8_t type_byte, uint32_t tag, std::string_view body) {
    if (type_byte == type::kTdispatch) {
      if (tag < kMinTag) return protocolError();  // tags 0 and 1 never carry calls
      // The hot path: read in place, no Message built.
      TdispatchView view;
      try {
        view = viewTdispatch(body);
      } catch (const ProtocolError&) {
        return protocolError();  // answering malformed calls would only amplify them
      }
      return onDispatch(tag, view);
    }
    if (type_byte == type::kTinit && body.size() > kMaxInitBytes) return protocolError();
    Message message;
    try {
      message = decode(type_byte, tag, body);
    } catch (const ProtocolError&) {
      return protocolError();
    }
    if (auto* r = std::get_if<Rerr>(&message)) {
      // The handshake marker comes back unchanged: "this server negotiates".
      if (r->tag == kControlTag && r->why == kTinitCheck) return send(*r);
      return;
    }
    if (auto* t = std::get_if<Tinit>(&message)) return onInit(*t);
    if (auto* t = std::get_if<Tping>(&message)) {
      if (t->tag == kMarkerTag) return protocolError();  // the marker tag is never answered
      return send(Rping{t->tag});
    }
    if (auto* t = std::get_if<Tdiscarded>(&message)) return onDiscarded(t->discard_tag);
    if (std::holds_alternative<Rdrain>(message)) {
      drain_acknowledged_ = true;
      return closeIfDrained();
    }
    if (auto* t = std::get_if<Tdrain>(&message)) return send(Rdrain{t->tag});
    if (std::holds_alternative<Rping>(message)) return;  // liveness: any frame counts
    // An unknown type is answered, as Mux asks, but briefly: a reply much larger than the frame
    // that drew it would let a peer multiply its bytes.
    send(Rerr{tag, "unexpected type " + std::to_string(type_byte)});
  }

  void onInit(const Tinit& init) {
    if (init.version != 1) {
      return send(Rerr{init.tag, "Unsupported Mux version " + std::to_string(init.version)});
    }
    if (init.headers.size() > kMaxInitHeaders) return protocolError();
    for (const auto& [key, value] : init.headers) {
      if (key == "mux-framer") send_fragment_limit_ = parseFramerHeader(value);
    }
    negotiated_ = true;
    // Opportunistic TLS (Finagle's matrix): a missing or unknown client level counts as off.
    // Already under TLS from the first byte, there is nothing to negotiate.
    std::string client = "off";
    for (const auto& [key, value] : init.headers) {
      if (key == "tls" && (value == "desired" || value == "required")) client = value;
    }
    std::string server = stream_.stream().secure() ? "off" : shared().muxTlsLevel();
    send(Rinit{
        init.tag, 1, {{"mux-framer", framerHeader(options().max_frame_bytes)}, {"tls", server}}});
    if (client == "off" || server == "off") {
      // Incompatible pairs (off with required, either way round) end here: the client reads the
      // Rinit and says why; the connection is not kept for a peer that cannot use it.
      bool incompatible =
          (client == "required" && server == "off") || (client == "off" && server == "required");
      if (incompatible) stream_.closeAfterFlush();
      return;
    }
    // A call in flight would be answered across the upgrade, on a stream being replaced.
    if (!in_flight_.empty()) return protocolError();
    // The Rinit leaves in plaintext; then this connection becomes TLS. (0 means no limit.)
    auto timeout = options().handshake_timeout > Duration::zero() ? options().handshake_timeout
                                                                  : Duration::max();
    stream_.upgradeAfterThisFrame([tls = shared().tls, timeout](
                                      transport::Stream& s,
                                      std::function<void(std::exception_ptr)> done) {
      tls->handshake(s, {}, timeout, [done = std::move(done)](std::exception_ptr e) { done(e); });
    });
  }

  void onDispatch(uint32_t tag, const TdispatchView& view) {
    const char* refused = nullptr;
    std::string message;
    if (draining_) {
      refused = "draining";  // the client is told to go elsewhere
    } else if (in_flight_.count(tag)) {
      // A client bug: any answer on the tag would be taken for the earlier call's.
      return protocolError();
    } else if (shared().tls && !options().tls.allow_plaintext && !stream_.stream().secure()) {
      // A TLS-only server heard a call in plaintext: a client that ignored Rinit's
      // tls=required, or one that never negotiates (the Python scales client). Checked before
      // admit(), which would hold a slot this call never gives back.
      shared().counters.plaintext_refused->add();
      send(Rerr{tag, "server requires TLS"});
      return stream_.closeAfterFlush();
    } else if (in_flight_.size() >= options().max_calls_per_connection) {
      refused = "max_calls_per_connection";
    } else if (stream_.outputOverLimit()) {
      refused = "max_unsent_bytes";  // the replies owed already fill the connection's allowance
    } else {
      message.assign(view.body);  // before admit(): if this copy fails, nothing is owed back
      refused = shared().admit(view.body.size());
    }
    if (refused) {
      // NACK: nothing was run, so Finagle and scales clients retry elsewhere.
      shared().counters.calls_refused->add();
      encodeRdispatch(tag, ReplyStatus::kNack, {}, stream_.outbox());
      return stream_.flush();
    }
    uint64_t serial = next_serial_++;
    auto control = std::allocate_shared<CallControl>(CallAllocator<CallControl>(),
                                                     shared().counters.deadline_expired.get());
    in_flight_.emplace(tag, InFlight{serial, control});
    callStarted();
    CallContext call{setup_.blocking_executor, Deadline::infinite(), std::move(control),
                     stream_.stream().peer()};
    readMuxContexts(view.contexts, call);
    std::shared_ptr<tracing::ServerSpan> span = beginServerSpan(call, message);
    if (span) span->setRemote(remoteAddress());
    struct Scope {
      MuxSession* outer = dispatching;
      explicit Scope(MuxSession* session) { dispatching = session; }
      ~Scope() { dispatching = outer; }
    } scope(this);
    // The session's executor, read here on it: a handler thread must not touch the stream,
    // which a TLS upgrade may be changing.
    setup_.dispatcher->dispatch(
        call, std::move(message),
        [weak = weak_from_this(), tag, serial, shared = setup_.shared, bytes = view.body.size(),
         ex = stream_.socket().get_executor(), span = std::move(span)](std::string reply) {
          shared->finish(bytes);
          if (span) endServerSpan(*span, reply);
          auto self = weak.lock();
          if (!self) return;
          // A handler that answered inside dispatch() (async handlers
          // usually do) is on this session's executor already; any other
          // answer hops back to it, queued even from this session's own
          // loop: run there at once, inside another connection's handling,
          // it would re-enter that connection's caller (and its locks).
          if (dispatching == self.get()) return self->onReply(tag, serial, std::move(reply));
          asio::post(ex, [weak, tag, serial, reply = std::move(reply)]() mutable {
            if (auto session = weak.lock()) session->onReply(tag, serial, std::move(reply));
          });
        });
  }

  // The session whose dispatcher call is running on this thread, if any.
  static inline thread_local MuxSession* dispatching = nullptr;

  void onReply(uint32_t tag, uint64_t serial, std::string reply) {
    auto it = in_flight_.find(tag);
    // Gone or reused: the call was discarded (and its tag may already carry a newer call).
    if (it == in_flight_.end() || it->second.serial != serial) return;
    in_flight_.erase(it);
    size_t reply_bytes = reply.size();
    if (stream_.open()) {
      // Oneway calls get an empty reply too: every Tdispatch is owed an answer.
      if (send_fragment_limit_ && reply.size() + 3 > *send_fragment_limit_) {
        std::string frame;
        encodeRdispatch(tag, ReplyStatus::kOk, reply, frame);
        appendFragmented(frame, *send_fragment_limit_, stream_.outbox());
      } else {
        encodeRdispatch(tag, ReplyStatus::kOk, reply, stream_.outbox());
      }
      stream_.flush();
    }
    callEnded(reply_bytes);
    closeIfDrained();
  }

  void onDiscarded(uint32_t tag) {
    auto it = in_flight_.find(tag);
    if (it == in_flight_.end()) {
      shared().counters.orphaned_discards->add();
      return;
    }
    // Rdiscarded frees the tag for the client; a handler still queued will not run, and the
    // eventual reply of one running is dropped.
    it->second.control->discard();
    in_flight_.erase(it);
    callEnded(std::nullopt);
    shared().counters.discarded->add();
    send(Rdiscarded{tag});
    closeIfDrained();
  }

  void closeIfDrained() {
    if (draining_ && drain_acknowledged_ && in_flight_.empty()) stream_.closeAfterFlush();
  }

  // A connection may hold this much in reassembly without charging the server's budget.
  static constexpr size_t kFreeReassembly = 64 * 1024;

  // tag -> the call on it; open addressing: no allocation per call.
  boost::unordered_flat_map<uint32_t, InFlight> in_flight_;
  uint64_t next_serial_ = 0;
  Reassembler fragments_;
  size_t reassembly_charged_ = 0;
  std::optional<size_t> send_fragment_limit_;
  std::optional<Clock::time_point> ping_sent_;
  uint64_t frames_at_ping_ = 0;
  bool negotiated_ = false;
  bool draining_ = false;
  bool drain_acknowledged_ = false;
};

}  // namespace

std::shared_ptr<Session> makeMuxSession(transport::Stream stream, SessionSetup setup) {
  return std::make_shared<MuxSession>(std::move(stream), std::move(setup));
}

bool looksLikeMux(std::string_view first) {
  if (first.size() < kHeaderSize) return false;
  auto t = static_cast<int8_t>(first[4]);
  uint32_t tag = (uint32_t{static_cast<uint8_t>(first[5])} << 16) |
                 (uint32_t{static_cast<uint8_t>(first[6])} << 8) | static_cast<uint8_t>(first[7]);
  // A strict-binary Thrift message (80 01 00 TT: any message type, a call or not) reads as Rerr
  // (0x80) on tag 0x0100TT. Finagle checks the two call types; a Mux client opens with Rerr only
  // for its handshake marker, on the control tag, so any other first Rerr goes to framed Thrift,
  // which answers what is not a call where a Mux session would say nothing.
  if (t == type::kRerr && tag != kControlTag) return false;
  switch (t) {
    case type::kTreq:
    case type::kTdispatch:
    case type::kTdrain:
    case type::kTping:
    case type::kTdiscarded:
    case type::kTdiscardedLegacy:
    case type::kTlease:
    case type::kTinit:
    case type::kRerr:
    case type::kRerrLegacy:
      return true;
    default:
      return false;  // compact (0x82), non-strict binary (0x00), anything else
  }
}

}  // namespace scales::server::detail

// SPDX-License-Identifier: Apache-2.0
// Mux on the server (shared/MUX.md §2.6-2.8): echoes the "tinit check" marker and answers Tinit,
// runs Tdispatch calls concurrently, answers pings, honours Tdiscarded (Rdiscarded now, the late
// reply dropped), and drains on request: Tdrain, then close once Rdrain came and nothing is in
// flight. Calls that arrive while draining are NACKed so the client sends them elsewhere.
#include <boost/asio/dispatch.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <limits>
#include <optional>

#include "scales/core/errors.h"
#include "scales/mux/frame.h"
#include "scales/transport/frame_stream.h"
#include "session.h"

namespace scales::server::detail {
namespace {
namespace asio = boost::asio;
using namespace scales::mux;

uint64_t big64(std::string_view b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// Finagle's Deadline context: (timestamp, deadline), nanoseconds since the Unix epoch. Mapped
// onto our monotonic clock by what is left of it now; "Top" (INT64_MAX) and anything unreadable
// mean no deadline, since a malformed optional context should not fail the call.
Deadline deadlineOf(std::string_view contexts) {
  auto value = findContext(contexts, kDeadlineKey);
  if (!value || value->size() != 16) return Deadline::infinite();
  auto at = static_cast<int64_t>(big64(*value, 8));
  if (at == std::numeric_limits<int64_t>::max()) return Deadline::infinite();
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t left = at > now ? at - now : 0;
  return Deadline(Clock::now() + std::chrono::nanoseconds(left));
}

class MuxSession final : public Session, public std::enable_shared_from_this<MuxSession> {
 public:
  MuxSession(asio::ip::tcp::socket socket, SessionSetup setup)
      : stream_(std::move(socket), setup.options->max_frame_bytes), setup_(std::move(setup)) {}

  void start(std::string already_read) override {
    std::weak_ptr<MuxSession> weak = weak_from_this();
    stream_.start(
        shared_from_this(), [this](std::string_view payload) { onFrame(payload); },
        [weak](std::exception_ptr) {
          if (auto self = weak.lock()) self->closed();
        },
        std::move(already_read));
  }

  void drain() override {
    if (draining_) return;
    draining_ = true;
    send(Tdrain{kControlTag});
  }

  void close() override { stream_.close(); }

 private:
  void send(const Message& message) {
    encode(message, stream_.outbox());
    stream_.flush();
  }

  void onFrame(std::string_view payload) {
    try {
      fragments_.feed(payload, [this](int8_t type_byte, uint32_t tag, std::string_view body) {
        onMessage(type_byte, tag, body);
      });
    } catch (const ProtocolError&) {
      close();  // a peer that cannot frame cannot be answered reliably
    }
  }

  void onMessage(int8_t type_byte, uint32_t tag, std::string_view body) {
    if (type_byte == type::kTdispatch) {
      // The hot path: read in place, no Message built.
      try {
        return onDispatch(tag, viewTdispatch(body));
      } catch (const ProtocolError& e) {
        return send(Rerr{tag, e.what()});
      }
    }
    Message message;
    try {
      message = decode(type_byte, tag, body);
    } catch (const ProtocolError& e) {
      return send(Rerr{tag, e.what()});
    }
    if (auto* r = std::get_if<Rerr>(&message)) {
      // The handshake marker comes back unchanged: "this server negotiates".
      if (r->tag == kControlTag && r->why == kTinitCheck) return send(*r);
      return;
    }
    if (auto* t = std::get_if<Tinit>(&message)) return onInit(*t);
    if (auto* t = std::get_if<Tping>(&message)) return send(Rping{t->tag});
    if (auto* t = std::get_if<Tdiscarded>(&message)) return onDiscarded(t->discard_tag);
    if (std::holds_alternative<Rdrain>(message)) {
      drain_acknowledged_ = true;
      return closeIfDrained();
    }
    if (auto* t = std::get_if<Tdrain>(&message)) return send(Rdrain{t->tag});
    if (std::holds_alternative<Rping>(message)) return;
    send(Rerr{tag, "Unexpected mux message type " + std::to_string(type_byte)});
  }

  void onInit(const Tinit& init) {
    if (init.version != 1) {
      return send(Rerr{init.tag, "Unsupported Mux version " + std::to_string(init.version)});
    }
    for (const auto& [key, value] : init.headers) {
      if (key == "mux-framer") send_fragment_limit_ = parseFramerHeader(value);
    }
    send(Rinit{init.tag,
               1,
               {{"mux-framer", framerHeader(setup_.options->max_frame_bytes)}, {"tls", "off"}}});
  }

  void onDispatch(uint32_t tag, const TdispatchView& view) {
    if (draining_ || in_flight_.count(tag)) {
      // Draining: the client is told to go elsewhere. A tag already in flight is a client bug;
      // answering it would confuse the earlier call.
      encodeRdispatch(tag, ReplyStatus::kNack, {}, stream_.outbox());
      return stream_.flush();
    }
    uint64_t serial = next_serial_++;
    in_flight_.emplace(tag, serial);
    CallContext call = setup_.context;
    call.deadline = deadlineOf(view.contexts);
    struct Scope {
      MuxSession* outer = dispatching;
      explicit Scope(MuxSession* session) { dispatching = session; }
      ~Scope() { dispatching = outer; }
    } scope(this);
    setup_.dispatcher->dispatch(
        call, std::string(view.body), [weak = weak_from_this(), tag, serial](std::string reply) {
          auto self = weak.lock();
          if (!self) return;
          // A handler that answered inside dispatch() (async handlers usually do) is on this
          // session's executor already; any other answer hops back to it.
          if (dispatching == self.get()) return self->onReply(tag, serial, std::move(reply));
          auto ex = self->stream_.socket().get_executor();
          asio::dispatch(ex, [weak, tag, serial, reply = std::move(reply)]() mutable {
            if (auto session = weak.lock()) session->onReply(tag, serial, std::move(reply));
          });
        });
  }

  // The session whose dispatcher call is running on this thread, if any.
  static inline thread_local MuxSession* dispatching = nullptr;

  void onReply(uint32_t tag, uint64_t serial, std::string reply) {
    auto it = in_flight_.find(tag);
    // Gone or reused: the call was discarded (and its tag may already carry a newer call).
    if (it == in_flight_.end() || it->second != serial) return;
    in_flight_.erase(it);
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
    closeIfDrained();
  }

  void onDiscarded(uint32_t tag) {
    auto it = in_flight_.find(tag);
    if (it == in_flight_.end()) {
      ++setup_.counters->orphaned_discards;
      return;
    }
    // Rdiscarded frees the tag for the client; the handler's eventual reply is dropped.
    in_flight_.erase(it);
    ++setup_.counters->discarded;
    send(Rdiscarded{tag});
    closeIfDrained();
  }

  void closeIfDrained() {
    if (draining_ && drain_acknowledged_ && in_flight_.empty()) stream_.closeAfterFlush();
  }

  void closed() {
    if (auto on_closed = std::move(setup_.on_closed)) on_closed();
  }

  transport::FrameStream stream_;
  SessionSetup setup_;
  // tag -> the serial of the call on it; open addressing: no allocation per call.
  boost::unordered_flat_map<uint32_t, uint64_t> in_flight_;
  uint64_t next_serial_ = 0;
  Reassembler fragments_{setup_.options->max_message_bytes};
  std::optional<size_t> send_fragment_limit_;
  bool draining_ = false;
  bool drain_acknowledged_ = false;
};

}  // namespace

std::shared_ptr<Session> makeMuxSession(asio::ip::tcp::socket socket, SessionSetup setup) {
  return std::make_shared<MuxSession>(std::move(socket), std::move(setup));
}

bool looksLikeMux(std::string_view first) {
  if (first.size() < kHeaderSize) return false;
  auto t = static_cast<int8_t>(first[4]);
  uint32_t tag = (uint32_t{static_cast<uint8_t>(first[5])} << 16) |
                 (uint32_t{static_cast<uint8_t>(first[6])} << 8) | static_cast<uint8_t>(first[7]);
  // A strict-binary Thrift call reads as Rerr on tag 65537 (80 01 00 01) or 65540 (ONEWAY).
  if ((t == type::kRerr || t == type::kRerrLegacy) && (tag == 0x010001 || tag == 0x010004)) {
    return false;
  }
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

// SPDX-License-Identifier: Apache-2.0
// Framed Thrift on the server: each frame is one Thrift message. Replies go back in the order the
// calls came, as every Apache Thrift server answers them, so a pipelining client that matches
// replies in order (many do, without checking the seqid) always gets its own; a reply that is
// ready early waits for the ones before it. Oneway calls get no reply. Calls over the limits, and
// calls that arrive while the server drains, are answered at once with a TApplicationException:
// framed Thrift has no other way to say "try elsewhere".
#include <boost/asio/post.hpp>
#include <deque>

#include "guarded_session.h"
#include "inbound.h"
#include "scales/thrift/codec.h"

namespace scales::server::detail {
namespace {
namespace asio = boost::asio;

class FramedSession final : public GuardedSession,
                            public std::enable_shared_from_this<FramedSession> {
 public:
  FramedSession(transport::Stream stream, SessionSetup setup)
      : GuardedSession(std::move(stream), std::move(setup)) {}

  void start(std::string already_read) override {
    startGuarded(shared_from_this(), std::move(already_read));
  }

  void drain() override {
    draining_ = true;
    if (replies_.empty()) stream_.closeAfterFlush();
  }

 private:
  // A call's place in the reply order; `ready` once its reply (maybe empty: oneway) is known.
  struct Slot {
    std::string reply;
    bool ready = false;
  };

  size_t callsInFlight() const override { return replies_.size(); }

  void onFrame(std::string_view payload) override {
    if (broken_) return;  // after a frame that was no call: its answer, then the close
    uint64_t seq = first_seq_ + replies_.size();
    replies_.emplace_back();
    callStarted();
    if (!looksLikeCall(payload)) {
      // Answered once (the dispatcher says what is wrong, in order), then the connection
      // closes, as Apache Thrift servers do: answering every such frame would let a peer turn a
      // few bytes into a stream of error replies.
      broken_ = true;
      shared().counters.protocol_errors->add();
    }
    if (draining_) return refuse(seq, payload, "server is shutting down; call another");
    if (replies_.size() > options().max_calls_per_connection) {
      return refuse(seq, payload, "too many calls in flight on this connection");
    }
    std::string message(payload);  // before admit(): if this copy fails, nothing is owed back
    if (const char* why = shared().admit(payload.size())) return refuse(seq, payload, why);
    auto ex = stream_.socket().get_executor();
    CallContext context{setup_.blocking_executor, Deadline::infinite(), nullptr,
                        stream_.stream().peer()};
    // Framed Thrift carries no trace: a sampled call starts a new one here.
    std::shared_ptr<tracing::ServerSpan> span = beginServerSpan(context, message);
    if (span) span->setRemote(remoteAddress());
    setup_.dispatcher->dispatch(
        context, std::move(message),
        [weak = weak_from_this(), ex, seq, shared = setup_.shared, bytes = payload.size(),
         span = std::move(span)](std::string reply) {
          shared->finish(bytes);
          if (span) endServerSpan(*span, reply);
          asio::post(ex, [weak, seq, reply = std::move(reply)]() mutable {
            if (auto self = weak.lock()) self->onReply(seq, std::move(reply));
          });
        });
  }

  // Answers a call without running it, in its place in the order.
  void refuse(uint64_t seq, std::string_view payload, const char* why) {
    shared().counters.calls_refused->add();
    std::string reply;
    try {
      auto header = thrift::peekMessage(payload);
      if (header.type != apache::thrift::protocol::T_ONEWAY) {
        reply = thrift::encodeApplicationException(
            header, ApplicationError::Type::kInternalError,
            std::string("scales server refused the call: ") + why);
      }
    } catch (const ProtocolError&) {
      // Not a Thrift message: the connection cannot be answered in a way the peer would read.
      return stream_.close();
    }
    onReply(seq, std::move(reply));
  }

  void onReply(uint64_t seq, std::string reply) {
    size_t reply_bytes = reply.size();
    Slot& slot = replies_[seq - first_seq_];
    slot.reply = std::move(reply);
    slot.ready = true;
    bool wrote = false;
    while (!replies_.empty() && replies_.front().ready) {
      if (!replies_.front().reply.empty() && stream_.open()) {
        transport::appendLengthPrefixed(stream_.outbox(), replies_.front().reply);
        wrote = true;
      }
      replies_.pop_front();
      ++first_seq_;
    }
    if (wrote) stream_.flush();
    callEnded(reply_bytes);
    if ((draining_ || broken_) && replies_.empty()) stream_.closeAfterFlush();
  }

  // A cheap look at the header (no allocation): a strict binary, compact or old binary call or
  // oneway that could hold at least an empty struct.
  static bool looksLikeCall(std::string_view m) {
    auto byte = [&m](size_t i) { return static_cast<uint8_t>(m[i]); };
    auto isCall = [](uint32_t type) { return type == 1 || type == 4; };  // T_CALL, T_ONEWAY
    if (m.size() >= 2 && byte(0) == 0x82) {  // compact: id, version|type<<5, seqid, name~
      return m.size() >= 5 && (byte(1) & 0x1f) == 1 && isCall(byte(1) >> 5);
    }
    if (m.size() >= 13 && byte(0) == 0x80) {  // strict binary: 80 01 00 TT name~4 seqid:4
      return byte(1) == 0x01 && byte(2) == 0 && isCall(byte(3));
    }
    if (m.size() < 9 || byte(0) != 0) return false;  // old binary: name~4 type:1 seqid:4
    uint32_t name = (uint32_t{byte(1)} << 16) | (uint32_t{byte(2)} << 8) | byte(3);
    return name + 9 < m.size() && isCall(byte(4 + name));
  }

  // Calls in the order received: replies_[i] answers call first_seq_ + i.
  std::deque<Slot> replies_;
  uint64_t first_seq_ = 0;
  bool draining_ = false;
  bool broken_ = false;
};

}  // namespace

std::shared_ptr<Session> makeFramedSession(transport::Stream stream, SessionSetup setup) {
  return std::make_shared<FramedSession>(std::move(stream), std::move(setup));
}

}  // namespace scales::server::detail

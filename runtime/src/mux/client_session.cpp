// SPDX-License-Identifier: Apache-2.0
// The Mux client session (docs/architecture.md, "Mux wire notes"): tags smallest-free-first,
// thousands of calls in flight answered in any order, Tdiscarded on cancellation (the tag stays
// reserved until the server answers), pings with RTT, Tdrain and Tlease honoured, anything
// unexpected ends the session.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/container/static_vector.hpp>
#include <chrono>
#include <queue>
#include <random>
#include <unordered_map>

#include "core/completion.h"
#include "scales/core/coarse_clock.h"
#include "scales/core/errors.h"
#include "scales/mux/client.h"
#include "scales/mux/frame.h"
#include "scales/transport/frame_stream.h"
#include "transport/tcp.h"
#include "transport/tls_context.h"

namespace scales::mux {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using Handler = RpcService::Handler;

void putBig64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
}

class ClientSession final : public transport::Connection,
                            public SessionInfo,
                            public std::enable_shared_from_this<ClientSession> {
 public:
  using Ready = std::function<void(std::exception_ptr)>;

  ClientSession(transport::Stream stream, const discovery::Endpoint& endpoint,
                const ClientOptions& options)
      : stream_(std::move(stream), options.max_frame_bytes),
        address_(endpoint.address()),
        host_(endpoint.host),
        port_(endpoint.port),
        options_(options),
        executor_(stream_.socket().get_executor()),
        handshake_timer_(executor_),
        ping_timer_(executor_),
        ping_deadline_(executor_) {}

  // Runs the handshake; `ready` is called once, with null when calls may be sent.
  void start(Duration timeout, Ready ready) {
    ready_ = std::move(ready);
    std::weak_ptr<ClientSession> weak = weak_from_this();
    stream_.start(
        shared_from_this(), [this](std::string_view payload) { onFrame(payload); },
        [weak](std::exception_ptr why) {
          if (auto self = weak.lock()) self->onClosed(why);
        });
    encode(Rerr{kControlTag, std::string(kTinitCheck)}, stream_.outbox());
    stream_.flush();
    handshake_timer_.expires_after(timeout);
    handshake_timer_.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        // Never sent a call: another endpoint may take it.
        self->fault(std::make_exception_ptr(ConnectFailedError(
            self->stream_.upgrading()
                ? "mux handshake with " + self->address_ +
                      " timed out while upgrading to TLS (opportunistic_tls)"
                : "mux handshake with " + self->address_ +
                      " timed out (a server without Mux, such as a stock Apache Thrift server, "
                      "needs ?transport=framed)")));
      }
    });
  }

  bool isOpen() const override {
    return state_ == State::kOpen && stream_.open() &&
           (!lease_until_ || Clock::now() < *lease_until_);
  }

  void call(Request&& request, Handler&& handler) override {
    if (state_ == State::kOpen && stream_.bufferedBytes() > options_.max_unsent_bytes) {
      return completePost(
          executor_, std::move(handler),
          std::make_exception_ptr(RejectedError(std::to_string(stream_.bufferedBytes()) +
                                                " bytes of calls not yet taken by " + address_ +
                                                " (max_unsent_bytes)")),
          Response{});
    }
    if (state_ != State::kOpen) {
      std::exception_ptr error =
          state_ == State::kDraining
              ? std::make_exception_ptr(NackError("mux session with " + address_ + " is draining"))
              : std::make_exception_ptr(
                    ConnectionError("mux session with " + address_ + " is closed"));
      return completePost(executor_, std::move(handler), error, Response{});
    }
    if (request.context.size() > kMaxContexts || request.broadcast.size() > kMaxContexts) {
      // Before a tag is taken: the frame is built on the stack, without allocating.
      return completePost(executor_, std::move(handler),
                          std::make_exception_ptr(
                              UsageError("at most 16 request contexts and 16 broadcast contexts")),
                          Response{});
    }
    uint32_t tag = allocateTag();
    if (tag == 0) {
      return completePost(executor_, std::move(handler),
                          std::make_exception_ptr(RejectedError("mux tags exhausted with " +
                                                                address_ + ": too many calls")),
                          Response{});
    }
    writeDispatch(tag, request);
    Pending& p = pending_[tag];
    p.in_use = true;
    ++outstanding_;
    if (request.oneway) {
      // No caller waits for a Thrift oneway reply; the tag is freed when the server's empty
      // Rdispatch arrives.
      return completePost(executor_, std::move(handler), nullptr, Response{});
    }
    auto slot = asio::get_associated_cancellation_slot(handler);
    p.handler.emplace(std::move(handler));
    if (slot.is_connected()) {
      slot.assign(
          [this, tag](asio::cancellation_type) { discard(tag, "cancelled by the caller"); });
    }
  }

  void close() override {
    if (state_ == State::kClosed) return;
    fault(std::make_exception_ptr(ConnectionError("mux session with " + address_ + " closed")));
  }

  std::optional<Duration> lastPingRtt() const override { return ping_rtt_; }
  bool draining() const override { return state_ == State::kDraining; }
  size_t outstanding() const override { return outstanding_; }

 private:
  enum class State { kCheck, kInit, kOpen, kDraining, kClosed };
  struct Pending {
    std::optional<Handler> handler;  // empty once answered, discarded or oneway
    bool in_use = false;
  };

  uint32_t allocateTag() {
    // Smallest free tag first (Finagle's TagSet), so tags and the table stay dense.
    if (!free_tags_.empty()) {
      uint32_t tag = free_tags_.top();
      free_tags_.pop();
      return tag;
    }
    if (next_tag_ > kMaxTag) return 0;
    uint32_t tag = next_tag_++;
    if (pending_.size() <= tag) pending_.resize(tag + 1);
    return tag;
  }

  void freeTag(uint32_t tag) {
    pending_[tag].in_use = false;
    free_tags_.push(tag);
    --outstanding_;
    if (state_ == State::kDraining && outstanding_ == 0) close();
  }

  static constexpr size_t kMaxContexts = 16;

  void writeDispatch(uint32_t tag, const Request& request) {
    // Contexts as Finagle writes them: deadline, trace, retries, client id, then this hop's own
    // (a filter's auth token), then the broadcast ones this hop's own do not replace.
    char deadline[16];
    char trace[TraceContext::kMaxMuxBytes];
    char retries[4];
    // Unused slots are never constructed: most calls send two or three contexts.
    boost::container::static_vector<ContextView, 4 + 2 * kMaxContexts> contexts;
    if (!request.deadline.isInfinite()) {
      // Finagle's deadline is wall-clock time, ours monotonic. The coarse clocks (a tick's
      // precision, a fraction of the cost of two precise reads per call) convert one to the other
      // well within what a deadline means.
      int64_t now = coarseWallNanos();
      int64_t left = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              request.deadline.at() - coarseNow())
                                              .count());
      putBig64(deadline, static_cast<uint64_t>(now));
      putBig64(deadline + 8, static_cast<uint64_t>(now + std::min(left, INT64_MAX - now)));
      contexts.emplace_back(kDeadlineKey, std::string_view(deadline, 16));
    }
    bool has_trace = false;
    for (const auto& [k, v] : request.context) has_trace = has_trace || k == kTraceKey;
    if (!has_trace) {
      // The attempt's span (scales/context); a call that came in below the stack gets a root.
      TraceContext span = request.span.valid() ? request.span : TraceContext::root();
      contexts.emplace_back(kTraceKey, std::string_view(trace, span.writeMux(trace)));
    }
    if (request.retries > 0) {
      // Finagle's Retries: absent means a first attempt.
      for (int i = 0; i < 4; ++i) retries[i] = static_cast<char>(request.retries >> (8 * (3 - i)));
      contexts.emplace_back(kRetriesKey, std::string_view(retries, 4));
    }
    if (!options_.client_id.empty()) contexts.emplace_back(kClientIdKey, options_.client_id);
    for (const auto& [k, v] : request.context) contexts.emplace_back(k, v);
    for (const auto& [k, v] : request.broadcast) {
      bool replaced = isReservedContextKey(k);
      for (const auto& own : request.context) replaced = replaced || own.first == k;
      if (!replaced) contexts.emplace_back(k, v);
    }

    std::string& out = stream_.outbox();
    if (send_fragment_limit_ && request.payload.size() > *send_fragment_limit_) {
      std::string whole;
      encodeTdispatch(tag, contexts.data(), contexts.size(), request.payload, whole);
      appendFragmented(whole, *send_fragment_limit_, out);
    } else {
      encodeTdispatch(tag, contexts.data(), contexts.size(), request.payload, out);
    }
    stream_.flush();
  }

  void discard(uint32_t tag, const char* why) {
    Pending& p = pending_[tag];
    if (!p.handler) return;
    encode(Tdiscarded{tag, why}, stream_.outbox());
    stream_.flush();
    // The tag stays in use until the server answers for it (Rdiscarded, Rdispatch or Rerr).
    complete(tag, std::make_exception_ptr(CancelledError("call to " + address_ + " " + why)),
             Response{});
  }

  void complete(uint32_t tag, std::exception_ptr error, Response&& response) {
    Pending& p = pending_[tag];
    if (!p.handler) return;
    Handler handler = std::move(*p.handler);
    p.handler.reset();
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) slot.clear();
    handler(error, std::move(response));  // may re-enter call(): no references kept across it
  }

  bool knownTag(uint32_t tag) const {
    return tag >= kMinTag && tag < pending_.size() && pending_[tag].in_use;
  }

  void onFrame(std::string_view payload) {
    try {
      fragments_.feed(
          payload,
          [this](int8_t type_byte, uint32_t tag, std::string_view body) {
            onMessage(type_byte, tag, body);
          },
          [this](int8_t type_byte, uint32_t tag) {
            // Only a reply to a call of ours may come in fragments: a server cannot park bytes
            // on tags of its choosing.
            return type_byte == type::kRdispatch && knownTag(tag);
          });
    } catch (const ProtocolError& e) {
      fault(protocolError(e.what()));
    }
  }

  void onMessage(int8_t type_byte, uint32_t tag, std::string_view body) {
    if (type_byte == type::kRdispatch && (state_ == State::kOpen || state_ == State::kDraining)) {
      // The hot path: read in place, no Message built.
      RdispatchView reply;
      try {
        reply = viewRdispatch(body);
      } catch (const ProtocolError&) {
        return fault(std::current_exception());
      }
      return onReply(tag, reply);
    }
    if (type_byte == type::kRinit && body.size() > kMaxInitBytes) {
      return fault(protocolError("Rinit of " + std::to_string(body.size()) + " bytes"));
    }
    Message message;
    try {
      message = decode(type_byte, tag, body);
    } catch (const ProtocolError&) {
      return fault(std::current_exception());
    }
    switch (state_) {
      case State::kCheck:
        return onCheckReply(std::move(message));
      case State::kInit:
        return onInitReply(std::move(message));
      case State::kOpen:
      case State::kDraining:
        return onSessionMessage(std::move(message));
      case State::kClosed:
        return;
    }
  }

  void onCheckReply(Message message) {
    if (auto* rerr = std::get_if<Rerr>(&message);
        rerr && rerr->tag == kControlTag && rerr->why == kTinitCheck) {
      // The server negotiates: offer our frame limit and our opportunistic TLS level.
      encode(Tinit{kControlTag,
                   1,
                   {{"mux-framer", framerHeader(options_.max_frame_bytes)},
                    {"tls", tlsLevelName(options_.opportunistic_tls)}}},
             stream_.outbox());
      stream_.flush();
      state_ = State::kInit;
      return;
    }
    // Any other answer: an old server without negotiation; the session runs version 1 with
    // defaults, and this message is an ordinary one. It may still end the session.
    if (options_.opportunistic_tls == TlsLevel::kRequired) {
      return fault(std::make_exception_ptr(ConnectFailedError(
          "mux server " + address_ +
          " does not negotiate, so cannot offer TLS (opportunistic_tls=required)")));
    }
    state_ = State::kOpen;
    onSessionMessage(std::move(message));
    if (state_ == State::kOpen) open();
  }

  void onInitReply(Message message) {
    auto* rinit = std::get_if<Rinit>(&message);
    if (rinit == nullptr) {
      auto* rerr = std::get_if<Rerr>(&message);
      return fault(protocolError(rerr ? "server refused Tinit: " + rerr->why
                                      : "expected Rinit during the handshake"));
    }
    if (rinit->version != 1) {
      return fault(protocolError("unsupported mux version " + std::to_string(rinit->version)));
    }
    if (rinit->headers.size() > kMaxInitHeaders) {
      return fault(
          protocolError("Rinit with " + std::to_string(rinit->headers.size()) + " headers"));
    }
    // A missing or unknown `tls` header counts as off (Finagle's negotiation matrix).
    TlsLevel server = TlsLevel::kOff;
    for (const auto& [key, value] : rinit->headers) {
      if (key == "mux-framer") {
        send_fragment_limit_ = parseFramerHeader(value);
      } else if (key == "tls") {
        server = parseTlsLevel(value).value_or(TlsLevel::kOff);
      }
    }
    TlsLevel client = options_.opportunistic_tls;
    if (client == TlsLevel::kOff || server == TlsLevel::kOff) {
      if (client == TlsLevel::kOff && server == TlsLevel::kRequired) {
        return fault(std::make_exception_ptr(ConnectFailedError(
            "mux server " + address_ +
            " requires TLS (set opportunistic_tls=desired, or tls=true for TLS from the first "
            "byte)")));
      }
      if (client == TlsLevel::kRequired) {
        return fault(std::make_exception_ptr(ConnectFailedError(
            "mux server " + address_ + " does not offer TLS (opportunistic_tls=required)")));
      }
      return open();
    }
    // Both sides want it: this connection becomes TLS, right after the Rinit.
    stream_.upgradeAfterThisFrame(
        [this, self = shared_from_this()](transport::Stream& s,
                                          std::function<void(std::exception_ptr)> done) {
          options_.tls->handshake(s, host_, port_,
                                  [this, self, done = std::move(done)](std::exception_ptr e) {
                                    if (e) {
                                      fault(e);
                                      return done(e);
                                    }
                                    open();
                                    done(nullptr);
                                  });
        });
  }

  void open() {
    state_ = State::kOpen;
    handshake_timer_.cancel();
    schedulePing();
    if (auto ready = std::move(ready_)) ready(nullptr);
  }

  void onSessionMessage(Message message) {
    if (auto* r = std::get_if<Rdispatch>(&message)) {
      return onReply(r->tag, RdispatchView{r->status, r->body});
    }
    if (auto* r = std::get_if<Rerr>(&message)) {
      if (!knownTag(r->tag)) return;  // e.g. an answer to the control tag
      complete(r->tag,
               std::make_exception_ptr(ApplicationError(ApplicationError::Type::kUnknown,
                                                        "mux server error: " + r->why)),
               Response{});
      return freeTag(r->tag);
    }
    if (auto* r = std::get_if<Rdiscarded>(&message)) {
      if (knownTag(r->tag)) freeTag(r->tag);
      return;
    }
    if (auto* t = std::get_if<Tping>(&message)) {
      encode(Rping{t->tag}, stream_.outbox());
      return stream_.flush();
    }
    if (std::holds_alternative<Rping>(message)) return onPingReply();
    if (auto* t = std::get_if<Tdrain>(&message)) {
      if (options_.metrics.drains) options_.metrics.drains->add();
      encode(Rdrain{t->tag}, stream_.outbox());
      stream_.flush();
      state_ = State::kDraining;
      if (outstanding_ == 0) close();
      return;
    }
    if (auto* t = std::get_if<Tlease>(&message)) {
      if (state_ == State::kDraining) return;
      auto ms = std::chrono::milliseconds(std::min<uint64_t>(t->amount, UINT32_MAX));
      if (t->unit == 0) {
        lease_until_ = Clock::now() + ms;
      } else {
        auto left = std::chrono::system_clock::time_point(ms) - std::chrono::system_clock::now();
        lease_until_ = Clock::now() + std::chrono::duration_cast<Duration>(left);
      }
      return;
    }
    if (std::holds_alternative<Tdiscarded>(message)) return;  // nothing of ours to stop
    int type_number = std::visit(
        [](const auto& m) -> int {
          if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Unknown>) return m.type;
          return 0;
        },
        message);
    fault(protocolError("unexpected mux message" +
                        (type_number ? " type " + std::to_string(type_number) : std::string())));
  }

  void onReply(uint32_t tag, const RdispatchView& reply) {
    if (!knownTag(tag)) {
      return fault(protocolError("Rdispatch for unknown tag " + std::to_string(tag)));
    }
    switch (reply.status) {
      case ReplyStatus::kOk:
        complete(tag, nullptr, Response{std::string(reply.body)});
        break;
      case ReplyStatus::kError:
        complete(tag,
                 std::make_exception_ptr(
                     ApplicationError(ApplicationError::Type::kInternalError,
                                      "mux server error: " + std::string(reply.body))),
                 Response{});
        break;
      case ReplyStatus::kNack:
        complete(tag,
                 std::make_exception_ptr(NackError("server " + address_ + " rejected the call")),
                 Response{});
        break;
    }
    freeTag(tag);
  }

  void schedulePing() {
    if (options_.ping_interval <= Duration::zero()) return;
    ping_timer_.expires_after(options_.ping_interval);
    ping_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->state_ == State::kClosed) return;
      self->sendPing();
    });
  }

  void sendPing() {
    ping_sent_ = Clock::now();
    if (options_.metrics.pings) options_.metrics.pings->add();
    encode(Tping{kControlTag}, stream_.outbox());
    stream_.flush();
    ping_deadline_.expires_after(options_.ping_timeout);
    ping_deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->fault(std::make_exception_ptr(ConnectionError("mux session with " + self->address_ +
                                                          ": no Rping within ping_timeout")));
    });
  }

  void onPingReply() {
    if (!ping_sent_) return;
    ping_rtt_ = Clock::now() - *ping_sent_;
    if (options_.metrics.ping_rtt) options_.metrics.ping_rtt->record(*ping_rtt_);
    ping_sent_.reset();
    ping_deadline_.cancel();
    schedulePing();
  }

  std::exception_ptr protocolError(const std::string& why) {
    return std::make_exception_ptr(ProtocolError("mux session with " + address_ + ": " + why));
  }

  void onClosed(std::exception_ptr why) {
    if (state_ == State::kClosed) return;
    std::string text = "closed";
    bool protocol = false;
    try {
      if (why) std::rethrow_exception(why);
    } catch (const ProtocolError& e) {
      text = e.what();
      protocol = true;
    } catch (const std::exception& e) {
      text = e.what();
    }
    if (ready_ && !stream_.stream().secure()) {
      text +=
          " during the Mux handshake (a server without Mux, such as a stock Apache Thrift "
          "server, needs ?transport=framed)";
    }
    text = "mux session with " + address_ + ": " + text;
    fault(protocol ? std::make_exception_ptr(ProtocolError(text))
                   : std::make_exception_ptr(ConnectionError(text)));
  }

  // Ends the session: every waiting caller hears `error`; the socket closes.
  void fault(std::exception_ptr error) {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    handshake_timer_.cancel();
    ping_timer_.cancel();
    ping_deadline_.cancel();
    stream_.close();
    for (uint32_t tag = kMinTag; tag < pending_.size(); ++tag) complete(tag, error, Response{});
    pending_.clear();
    if (auto ready = std::move(ready_)) ready(error);  // still handshaking
  }

  transport::FrameStream stream_;
  std::string address_;
  std::string host_;
  uint16_t port_;
  ClientOptions options_;
  asio::any_io_executor executor_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer ping_timer_;
  asio::steady_timer ping_deadline_;
  Ready ready_;
  State state_ = State::kCheck;
  std::vector<Pending> pending_;
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> free_tags_;
  uint32_t next_tag_ = kMinTag;
  size_t outstanding_ = 0;
  // At most one message in reassembly per call in flight: the predicate above bounds them.
  Reassembler fragments_{options_.max_message_bytes};
  std::optional<size_t> send_fragment_limit_;
  std::optional<Clock::time_point> lease_until_;
  std::optional<Clock::time_point> ping_sent_;
  std::optional<Duration> ping_rtt_;
};

class Factory final : public transport::ConnectionFactory {
 public:
  Factory(discovery::Endpoint endpoint, ClientOptions options, asio::any_io_executor executor)
      : endpoint_(std::move(endpoint)), options_(std::move(options)), executor_(executor) {}

  void connect(Deadline deadline, transport::ConnectHandler handler) override {
    auto budget = std::min(options_.connect_timeout, deadline.remaining());
    auto started = Clock::now();
    transport::asyncTcpConnect(
        executor_, endpoint_.host, endpoint_.port, budget,
        [endpoint = endpoint_, options = options_, budget, started, handler = std::move(handler)](
            std::exception_ptr error, tcp::socket socket) mutable {
          if (error) return handler(error, nullptr);
          // The move-only handler rides in a shared_ptr through the std::function callbacks.
          auto shared = std::make_shared<transport::ConnectHandler>(std::move(handler));
          // What the TCP connect left of the budget is the Mux handshake's.
          auto left = budget - (Clock::now() - started);
          if (!options.tls || !options.tls->options().enabled ||
              options.opportunistic_tls != TlsLevel::kOff) {
            return startSession(transport::Stream(std::move(socket)), endpoint, options, left,
                                shared);
          }
          // TLS from the first byte (within tls_handshake_timeout), then the Mux handshake.
          auto stream = std::make_shared<transport::Stream>(std::move(socket));
          options.tls->handshake(*stream, endpoint.host, endpoint.port,
                                 [stream, endpoint, options, left, shared](std::exception_ptr e) {
                                   if (e) {
                                     auto h = std::move(*shared);
                                     return h(e, nullptr);
                                   }
                                   startSession(std::move(*stream), endpoint, options, left,
                                                shared);
                                 });
        });
  }

 private:
  static void startSession(transport::Stream stream, const discovery::Endpoint& endpoint,
                           const ClientOptions& options, Duration left,
                           std::shared_ptr<transport::ConnectHandler> handler) {
    auto session = std::make_shared<ClientSession>(std::move(stream), endpoint, options);
    session->start(
        left, [weak = std::weak_ptr<ClientSession>(session), handler](std::exception_ptr failed) {
          auto h = std::move(*handler);
          if (failed) return h(failed, nullptr);
          h(nullptr, weak.lock());
        });
  }

  discovery::Endpoint endpoint_;
  ClientOptions options_;
  asio::any_io_executor executor_;
};

}  // namespace

std::shared_ptr<transport::ConnectionFactory> connectionFactory(const discovery::Endpoint& endpoint,
                                                                const ClientOptions& options,
                                                                asio::any_io_executor executor) {
  return std::make_shared<Factory>(endpoint, options, std::move(executor));
}

}  // namespace scales::mux

// SPDX-License-Identifier: Apache-2.0
// The attacks of attacks.h.
#include "attacks.h"

#include <poll.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace scales::adversarial {

namespace {
constexpr Millis kConnect{2000};
constexpr Millis kStep{2000};

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
Millis left(Clock::time_point deadline) {
  auto l = std::chrono::duration_cast<Millis>(deadline - Clock::now());
  return l.count() < 0 ? Millis(0) : l;
}

std::string framedHeader(uint32_t announced) {
  std::string h;
  wire::putU32(h, announced);
  h += std::string("\x80\x01\x00\x01", 4);
  return h;
}

// Reassembles Mux fragments per tag (the server fragments only when asked).
struct Joiner {
  std::map<uint32_t, std::string> partial;
  // A whole message, or nullopt while fragments are still coming.
  std::optional<wire::MuxFrame> feed(wire::MuxFrame f) {
    if (f.more) {
      partial[f.tag] += f.body;
      return std::nullopt;
    }
    auto it = partial.find(f.tag);
    if (it != partial.end()) {
      f.body = it->second + f.body;
      partial.erase(it);
    }
    return f;
  }
};

// The success string of an Rdispatch body, or nullopt (not OK, or not a REPLY with field 0).
std::optional<std::string> okEcho(const std::string& rdispatch_body) {
  auto r = wire::parseRdispatch(rdispatch_body);
  if (!r || r->status != 0) return std::nullopt;
  auto reply = wire::parseThriftReply(r->body);
  if (!reply || !reply->success) return std::nullopt;
  return reply->success;
}

bool paddedEcho(const std::string& got, const std::string& key, size_t pad) {
  return got.size() == key.size() + pad && got.compare(0, key.size(), key) == 0 &&
         (pad == 0 || (got[key.size()] == '.' && got.back() == '.'));
}

std::string tdispatchFrame(uint32_t tag, const std::string& key, int32_t delay_ms) {
  return wire::tdispatch(tag, key, delay_ms);
}
}  // namespace

void Held::add(std::unique_ptr<RawConn> conn) {
  conns.push_back(std::move(conn));
  since.push_back(Clock::now());
}

void Held::resetAll() {
  for (auto& c : conns) c->reset();
}

std::vector<double> watchCloses(Held& held, Millis timeout, Millis trickle) {
  std::vector<double> closes(held.size(), -1);
  auto deadline = Clock::now() + timeout;
  auto next_tick = Clock::now() + trickle;
  size_t open = held.size();
  // Bounded by time; the count bound is the number of poll rounds a 10 ms floor allows.
  for (int round = 0; open > 0 && Clock::now() < deadline && round < 100000; ++round) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < held.size(); ++i) {
      if (closes[i] < 0 && held.conns[i]->fd() >= 0) {
        fds.push_back({held.conns[i]->fd(), POLLIN | POLLRDHUP, 0});
        which.push_back(i);
      }
    }
    auto until = trickle.count() > 0 ? std::min(deadline, next_tick) : deadline;
    int wait = static_cast<int>(std::max<int64_t>(1, left(until).count()));
    if (poll(fds.data(), fds.size(), wait) > 0) {
      for (size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents == 0) continue;
        auto& conn = *held.conns[which[k]];
        while (conn.fill(Millis(0)) == RawConn::Status::kData) {
        }
        if (conn.closed()) {
          closes[which[k]] =
              std::chrono::duration<double>(Clock::now() - held.since[which[k]]).count();
          --open;
        }
      }
    }
    if (trickle.count() > 0 && Clock::now() >= next_tick) {
      for (size_t i = 0; i < held.size(); ++i) {
        if (closes[i] < 0) held.conns[i]->send("x", Millis(0));
      }
      next_tick += trickle;
    }
  }
  return closes;
}

int countClosed(const std::vector<double>& closes) {
  int n = 0;
  for (double c : closes) n += c >= 0;
  return n;
}

Held openHeaderOnly(uint16_t port, int mux, int framed, uint32_t announced) {
  Held held;
  std::string mux_header;
  wire::putU32(mux_header, announced);
  mux_header += std::string("\x02\x00\x00\x02", 4);  // Tdispatch, tag 2
  for (int i = 0; i < mux + framed; ++i) {
    auto conn = RawConn::connect(port, kConnect);
    if (!conn) {
      ++held.failed_connects;
      continue;
    }
    conn->sendAll(i < mux ? mux_header : framedHeader(announced), kStep);
    held.add(std::move(conn));
  }
  return held;
}

Held openSlowloris(uint16_t port, int mux, int framed) {
  Held held;
  std::string mux_header;
  wire::putU32(mux_header, 1000);
  mux_header += std::string("\x02\x00\x00\x05", 4);
  for (int i = 0; i < mux + framed; ++i) {
    auto conn = RawConn::connect(port, kConnect);
    bool ready = false;
    if (conn && i < mux) {
      ready = muxHandshake(*conn, kStep) && conn->sendAll(mux_header, kStep);
    } else if (conn) {
      std::string key = "slow:" + std::to_string(i);
      ready = conn->sendAll(wire::framedFlakyCall("read", 1, key, 0), kStep);
      auto reply = ready ? conn->readFramed(kStep) : std::nullopt;
      ready = reply && conn->sendAll(framedHeader(1000), kStep);
    }
    if (!ready) {
      ++held.failed_connects;
      continue;
    }
    held.add(std::move(conn));
  }
  return held;
}

Held openSilent(uint16_t port, int count, Millis connect_timeout, Millis budget) {
  Held held;
  auto deadline = Clock::now() + budget;
  for (int i = 0; i < count && Clock::now() < deadline; ++i) {
    auto conn = RawConn::connect(port, std::min(connect_timeout, left(deadline)));
    if (conn) {
      held.add(std::move(conn));
    } else {
      ++held.failed_connects;
    }
  }
  return held;
}

UnreadPeer::UnreadPeer(uint16_t port, bool mux, int calls, size_t pad, int32_t delay_ms)
    : mux_(mux), calls_(calls), pad_(pad) {
  conn_ = RawConn::connect(port, kConnect);
  if (!conn_) throw std::runtime_error("cannot connect");
  if (mux_ && !muxHandshake(*conn_, kStep)) throw std::runtime_error("no Rinit");
  for (int i = 0; i < calls_; ++i) {
    std::string key = "pad:" + std::to_string(pad_) + ":unread:" + std::to_string(i);
    out_ += mux_ ? tdispatchFrame(static_cast<uint32_t>(2 + i), key, delay_ms)
                 : wire::framedFlakyCall("read", i, key, delay_ms);
  }
}

bool UnreadPeer::learnReplies(int count) {
  if (!mux_ || sent_ > 0) return false;
  for (int i = 0; i < count; ++i) {
    auto tag = static_cast<uint32_t>(2 + calls_ + i);
    std::string key = "pad:" + std::to_string(pad_) + ":learn:" + std::to_string(i);
    if (!conn_->sendAll(tdispatchFrame(tag, key, 0), kStep)) return false;
    // The server fragments only when asked, so the reply is one frame; a liveness ping from the
    // server may come first, and is answered.
    auto frame = conn_->readMux(kStep);
    for (int pings = 0; frame && frame->type == 65 && pings < 8; ++pings) {
      if (!conn_->sendAll(wire::muxFrame(-65, frame->tag, ""), kStep)) return false;
      frame = conn_->readMux(kStep);
    }
    if (!frame || frame->tag != tag || frame->type != -2) return false;
    auto echo = okEcho(frame->body);
    if (!echo || !paddedEcho(*echo, key, pad_)) return false;
  }
  return true;
}

uint64_t UnreadPeer::sendWithoutReading(Millis window) {
  sent_ += conn_->send(std::string_view(out_).substr(sent_), window);
  return sent_;
}

UnreadPeer::Check UnreadPeer::collect(Millis timeout) {
  Check check;
  auto deadline = Clock::now() + timeout;
  std::vector<int> seen(static_cast<size_t>(calls_), 0);
  int answered = 0;
  Joiner joiner;
  auto problem = [&](const std::string& what) {
    if (check.first_problem.empty()) check.first_problem = what;
  };
  auto judge = [&](int i, std::optional<std::string> echo, bool nack) {
    if (i < 0 || i >= calls_) return problem("reply for no call: " + std::to_string(i));
    if (seen[static_cast<size_t>(i)]++) {
      ++check.duplicates;
      return problem("second reply for call " + std::to_string(i));
    }
    ++answered;
    std::string key = "pad:" + std::to_string(pad_) + ":unread:" + std::to_string(i);
    if (nack) {
      ++check.nacked;
    } else if (!echo) {
      ++check.errors;
      problem("call " + std::to_string(i) + " failed");
    } else if (paddedEcho(*echo, key, pad_)) {
      ++check.ok;
    } else {
      ++check.wrong;
      problem("call " + std::to_string(i) + " got " + echo->substr(0, 40));
    }
  };
  int framed_next = 0;
  for (int round = 0; answered < calls_ && Clock::now() < deadline && round < 10000000; ++round) {
    if (sent_ < out_.size()) sent_ += conn_->send(std::string_view(out_).substr(sent_), Millis(0));
    if (mux_) {
      auto frame = conn_->readMux(Millis(5));
      if (!frame) {
        if (conn_->closed()) break;
        continue;
      }
      auto whole = joiner.feed(std::move(*frame));
      if (!whole) continue;
      if (whole->type != -2) {
        problem("unexpected frame type " + std::to_string(whole->type));
        continue;
      }
      auto r = wire::parseRdispatch(whole->body);
      judge(static_cast<int>(whole->tag) - 2, okEcho(whole->body), r && r->status == 2);
    } else {
      auto payload = conn_->readFramed(Millis(5));
      if (!payload) {
        if (conn_->closed()) break;
        continue;
      }
      // Framed Thrift has no tags: replies come in the order of the calls, seqid = index.
      auto reply = wire::parseThriftReply(*payload);
      int i = framed_next++;
      if (reply && reply->seqid != i)
        problem("reply " + std::to_string(i) + " has seqid " + std::to_string(reply->seqid));
      judge(i, reply && reply->success ? reply->success : std::nullopt, false);
    }
  }
  check.missing = calls_ - answered;
  return check;
}

DispatchFlood dispatchFlood(uint16_t port, int calls, int32_t delay_ms, Millis send_window,
                            Millis read_window) {
  DispatchFlood result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  std::string out;
  std::vector<size_t> ends;
  for (int i = 0; i < calls; ++i) {
    out += tdispatchFrame(static_cast<uint32_t>(2 + i), "flood:" + std::to_string(2 + i), delay_ms);
    ends.push_back(out.size());
  }
  auto start = Clock::now();
  size_t sent = conn->send(out, send_window);
  std::vector<uint8_t> seen(static_cast<size_t>(calls), 0);
  auto deadline = Clock::now() + read_window;
  int answered = 0;
  for (int round = 0; Clock::now() < deadline && round < 10000000 && answered < calls; ++round) {
    if (sent < out.size()) sent += conn->send(std::string_view(out).substr(sent), Millis(0));
    auto frame = conn->readMux(Millis(5));
    if (!frame) {
      if (conn->closed()) break;
      continue;
    }
    int i = static_cast<int>(frame->tag) - 2;
    if (frame->type != -2 || i < 0 || i >= calls) {
      ++result.other;
      continue;
    }
    if (seen[static_cast<size_t>(i)]++) {
      ++result.duplicates;
      continue;
    }
    ++answered;
    auto r = wire::parseRdispatch(frame->body);
    if (r && r->status == 2) {
      ++result.nacks;
      if (result.ok == 0) ++result.nacks_before_first_ok;
    } else if (auto echo = okEcho(frame->body)) {
      if (*echo == "flood:" + std::to_string(2 + i)) {
        if (result.ok++ == 0) result.first_ok_s = secondsSince(start);
      } else {
        ++result.wrong;
      }
    } else {
      ++result.errors;
    }
  }
  result.calls_sent =
      static_cast<int>(std::upper_bound(ends.begin(), ends.end(), sent) - ends.begin());
  return result;
}

FragmentFlood fragmentFlood(uint16_t port, int fragments, size_t fragment_bytes, bool same_tag) {
  FragmentFlood result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  std::string body(fragment_bytes, 'f');
  for (int i = 0; i < fragments; ++i) {
    uint32_t tag = same_tag ? 2 : static_cast<uint32_t>(2 + i);
    if (!conn->sendAll(wire::muxFrame(2, tag | 0x800000u, body), kStep)) break;
    ++result.fragments_sent;
    if (conn->fill(Millis(0)) == RawConn::Status::kClosed) break;
  }
  auto after = Clock::now();
  result.closed = conn->waitClosed(Millis(3000));
  if (result.closed) result.closed_after_s = secondsSince(after);
  return result;
}

DuplicateTag duplicateTag(uint16_t port, int32_t delay_ms, bool fragmented, Millis timeout) {
  DuplicateTag result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  conn->sendAll(tdispatchFrame(5, "first:1", delay_ms), kStep);
  std::string second = wire::tdispatchBody({}, wire::flakyCall("read", 0, "second:1", 0));
  if (fragmented) {
    size_t half = second.size() / 2;
    conn->sendAll(wire::muxFrame(2, 5 | 0x800000u, second.substr(0, half)), kStep);
    conn->sendAll(wire::muxFrame(2, 5, second.substr(half)), kStep);
  } else {
    conn->sendAll(wire::muxFrame(2, 5, second), kStep);
  }
  conn->sendAll(wire::muxFrame(65, 1, ""), kStep);
  auto deadline = Clock::now() + timeout;
  for (int round = 0; Clock::now() < deadline && round < 100000; ++round) {
    auto frame = conn->readMux(left(deadline));
    if (!frame) break;
    if (frame->type == -65 && frame->tag == 1) result.pinged = true;
    if (frame->tag != 5) continue;
    result.tag5.push_back(*frame);
    if (frame->type == -2 && okEcho(frame->body) == std::optional<std::string>("first:1")) break;
  }
  result.closed = conn->closed();
  return result;
}

TinitBomb tinitBomb(uint16_t port, int headers, Millis timeout) {
  TinitBomb result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn) return result;
  std::string body;
  wire::putU16(body, 1);
  body.append(static_cast<size_t>(headers) * 8, '\0');
  std::string frame = wire::muxFrame(68, 1, body);
  auto start = Clock::now();
  result.fully_sent = conn->sendAll(frame, timeout);
  result.send_s = secondsSince(start);
  auto after = Clock::now();
  auto reply = conn->readMux(timeout);
  result.outcome_s = secondsSince(after);
  if (reply) {
    result.outcome = reply->type == -68                            ? "rinit"
                     : (reply->type == -128 || reply->type == 127) ? "rerr"
                                                                   : "other";
  } else {
    result.outcome = conn->closed() ? "closed" : "timeout";
  }
  return result;
}

FramerOne framerOne(uint16_t port, size_t pad) {
  FramerOne result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn) return result;
  result.handshake = muxHandshake(*conn, kStep, 1);
  if (!result.handshake) return result;
  std::string key = "pad:" + std::to_string(pad) + ":framer";
  conn->sendAll(tdispatchFrame(2, key, 0), kStep);
  std::string body;
  auto deadline = Clock::now() + Millis(10000);
  // One frame per byte at worst (the attack): bounded by the reply's size.
  for (size_t n = 0; n < pad + 1024 && Clock::now() < deadline; ++n) {
    auto frame = conn->readMux(left(deadline));
    if (!frame) return result;
    if (frame->tag != 2) continue;
    ++result.frames;
    result.wire_bytes += 8 + frame->body.size();
    body += frame->body;
    if (!frame->more) break;
  }
  result.message_bytes = body.size();
  auto echo = okEcho(body);
  result.ok = echo && paddedEcho(*echo, key, pad);
  return result;
}

DiscardQueued discardQueued(uint16_t port, int32_t hold_ms, int count) {
  DiscardQueued result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  std::string out = tdispatchFrame(2, "hold:2", hold_ms);
  for (int i = 0; i < count; ++i) {
    out += tdispatchFrame(static_cast<uint32_t>(3 + i), "discard:" + std::to_string(3 + i), 0);
  }
  for (int i = 0; i < count; ++i) out += wire::tdiscarded(static_cast<uint32_t>(3 + i), "test");
  conn->sendAll(out, kStep);
  auto sent = Clock::now();
  std::set<uint32_t> discarded;
  auto deadline = Clock::now() + Millis(hold_ms) + Millis(5000);
  for (int round = 0; Clock::now() < deadline && round < 100000 && !result.hold_answered; ++round) {
    auto frame = conn->readMux(left(deadline));
    if (!frame) break;
    bool discarded_tag = frame->tag >= 3 && frame->tag < static_cast<uint32_t>(3 + count);
    if (frame->type == -66 && discarded_tag && discarded.insert(frame->tag).second) {
      result.last_rdiscarded_s = secondsSince(sent);
    } else if (frame->type == -2 && discarded_tag) {
      ++result.replies_for_discarded;
    } else if (frame->type == -2 && frame->tag == 2) {
      result.hold_answered = okEcho(frame->body) == std::optional<std::string>("hold:2");
      if (!result.hold_answered) break;
    }
  }
  result.rdiscarded = static_cast<int>(discarded.size());
  return result;
}

ExpiredDeadlines expiredDeadlines(uint16_t port, int count, Millis timeout) {
  ExpiredDeadlines result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  int64_t now = wire::epochNanos();
  wire::Contexts expired{{"com.twitter.finagle.Deadline",
                          wire::deadlineValue(now - 2000000000LL, now - 1000000000LL)}};
  wire::Contexts future{
      {"com.twitter.finagle.Deadline", wire::deadlineValue(now, now + 10000000000LL)}};
  std::string out;
  for (int i = 0; i < count; ++i) {
    out +=
        wire::tdispatch(static_cast<uint32_t>(2 + i), "expired:" + std::to_string(i), 0, expired);
  }
  uint32_t control_tag = static_cast<uint32_t>(2 + count);
  out += wire::tdispatch(control_tag, "control:1", 0, future);
  conn->sendAll(out, kStep);
  std::set<uint32_t> answered;
  auto deadline = Clock::now() + timeout;
  for (int round = 0; Clock::now() < deadline && round < 100000; ++round) {
    if (static_cast<int>(answered.size()) == count && result.control_ok) break;
    auto frame = conn->readMux(left(deadline));
    if (!frame) break;
    if (frame->tag == control_tag && frame->type == -2) {
      result.control_ok = okEcho(frame->body) == std::optional<std::string>("control:1");
    } else if (frame->tag >= 2 && frame->tag < control_tag && answered.insert(frame->tag).second) {
      auto echo = frame->type == -2 ? okEcho(frame->body) : std::nullopt;
      if (echo && *echo == "expired:" + std::to_string(frame->tag - 2)) ++result.echoed;
    }
  }
  result.answered = static_cast<int>(answered.size());
  return result;
}

ContextFlood contextFlood(uint16_t port, int count, int contexts, Millis timeout) {
  ContextFlood result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  // Finagle's TraceContext: span, parent, trace, flags (1: debug), big-endian.
  std::string trace;
  for (uint64_t v : {uint64_t{0x1111}, uint64_t{0x2222}, uint64_t{0x3333}, uint64_t{1}}) {
    wire::putU64(trace, v);
  }
  wire::Contexts shared{{"com.twitter.finagle.tracing.TraceContext", trace}};
  for (int i = 0; i < contexts; ++i) {
    std::string key = std::to_string(i);
    shared.emplace_back("k" + std::string(7 - std::min<size_t>(7, key.size()), '0') + key,
                        "value-01");
  }
  for (int i = 0; i < contexts; ++i) shared.push_back(shared[1 + i]);
  auto deadline = Clock::now() + timeout;
  std::set<uint32_t> answered;
  // Sent in waves of 50 so the flood is not throttled by the socket buffer alone.
  for (int sent = 0; sent < count && Clock::now() < deadline;) {
    std::string out;
    int wave = std::min(50, count - sent);
    for (int i = 0; i < wave; ++i, ++sent) {
      out += wire::tdispatch(static_cast<uint32_t>(2 + sent), "ctx:" + std::to_string(sent), 0,
                             shared);
    }
    result.bytes_sent += out.size();
    if (!conn->sendAll(out, left(deadline))) break;
    while (static_cast<int>(answered.size()) < sent && Clock::now() < deadline) {
      auto frame = conn->readMux(left(deadline));
      if (!frame) break;
      if (frame->tag < 2 || !answered.insert(frame->tag).second) continue;
      auto echo = frame->type == -2 ? okEcho(frame->body) : std::nullopt;
      if (echo && *echo == "ctx:" + std::to_string(frame->tag - 2)) ++result.echoed;
    }
  }
  result.answered = static_cast<int>(answered.size());
  return result;
}

NotACall framedFirstFrameNotACall(uint16_t port, int8_t message_type, Millis timeout) {
  NotACall result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn) return result;
  conn->sendAll(wire::framed(wire::flakyCall("read", 7, "notacall:1", 0, message_type)), kStep);
  auto sent = Clock::now();
  auto payload = conn->readFramed(timeout);
  result.seconds = secondsSince(sent);
  result.answered = payload.has_value();
  result.closed = conn->closed();
  if (payload) result.reply = wire::parseThriftReply(*payload);
  return result;
}

MarkerTag markerTag(uint16_t port, MarkerProbe probe, uint32_t tag, Millis timeout) {
  MarkerTag result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn || !muxHandshake(*conn, kStep)) return result;
  std::string key = "tag" + std::to_string(tag) + ":1";
  std::string probe_frame =
      probe == MarkerProbe::kDispatch ? tdispatchFrame(tag, key, 0)
      : probe == MarkerProbe::kPing
          ? wire::muxFrame(65, tag, "")
          : wire::muxFrame(2, tag | 0x800000u,
                           wire::tdispatchBody({}, wire::flakyCall("read", 0, key, 0)));
  conn->sendAll(probe_frame, kStep);
  conn->sendAll(wire::muxFrame(65, 1, ""), kStep);
  auto deadline = Clock::now() + timeout;
  for (int round = 0; Clock::now() < deadline && round < 10000; ++round) {
    auto frame = conn->readMux(left(deadline));
    if (!frame) break;
    bool rping = frame->type == -65 && frame->tag == 1;
    if (frame->tag == tag && !(tag == 1 && rping)) {
      result.types.push_back(frame->type);
      if (frame->type == -2 && okEcho(frame->body) == std::optional<std::string>(key)) {
        result.served = true;
      }
      if (probe == MarkerProbe::kPing && frame->type == -65) result.served = true;
    }
    if (rping) {
      result.pinged = true;
      break;
    }
  }
  result.closed = conn->closed();
  return result;
}

Quiet quietPeer(uint16_t port, QuietPeer kind, Millis watch) {
  Quiet result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn) return result;
  bool mux = kind != QuietPeer::kFramed;
  if (kind == QuietPeer::kMuxSilent || kind == QuietPeer::kMuxAnswering) {
    if (!muxHandshake(*conn, kStep)) return result;
  }
  if (mux) {
    conn->sendAll(tdispatchFrame(2, "quiet:1", 0), kStep);
    auto reply = conn->readMux(kStep);
    result.started = reply && reply->type == -2 && reply->tag == 2;
  } else {
    conn->sendAll(wire::framedFlakyCall("read", 1, "quiet:1", 0), kStep);
    result.started = conn->readFramed(kStep).has_value();
  }
  if (!result.started) return result;
  auto since = Clock::now();
  auto deadline = since + watch;
  for (int round = 0; Clock::now() < deadline && round < 10000; ++round) {
    if (!mux) {
      if (conn->waitClosed(left(deadline))) result.closed_s = secondsSince(since);
      break;
    }
    auto frame = conn->readMux(left(deadline));
    if (!frame) {
      if (conn->closed()) result.closed_s = secondsSince(since);
      break;
    }
    if (frame->type == 65 && result.pinged_s < 0) result.pinged_s = secondsSince(since);
    if (frame->type == 64 && result.drained_s < 0) result.drained_s = secondsSince(since);
    if (kind == QuietPeer::kMuxAnswering && (frame->type == 65 || frame->type == 64)) {
      conn->sendAll(wire::muxFrame(static_cast<int8_t>(-frame->type), frame->tag, ""), kStep);
    }
  }
  return result;
}

double oversizedFrame(uint16_t port, bool mux, uint32_t announced, Millis timeout) {
  Held held = openHeaderOnly(port, mux ? 1 : 0, mux ? 0 : 1, announced);
  if (held.size() != 1) return -1;
  return watchCloses(held, timeout).front();
}

Amplification malformedFrames(uint16_t port, bool mux, int frames, Millis timeout) {
  Amplification result;
  auto conn = RawConn::connect(port, kConnect);
  if (!conn) return result;
  if (mux) {
    if (!muxHandshake(*conn, kStep)) return result;
  } else if (!conn->sendAll(wire::framedFlakyCall("read", 0, "amp:0", 0), kStep) ||
             !conn->readFramed(kStep)) {
    return result;
  }
  uint64_t before = conn->received();
  std::string out;
  for (int i = 0; i < frames; ++i) {
    out += mux ? wire::muxFrame(2, static_cast<uint32_t>(2 + i), std::string(1, '\0'))
               : wire::framed(std::string("\x80\x01\x00\x01", 4));
  }
  result.sent = out.size();
  uint32_t last_tag = static_cast<uint32_t>(2 + frames);
  out += mux ? tdispatchFrame(last_tag, "amp:last", 0)
             : wire::framedFlakyCall("read", 1, "amp:last", 0);
  size_t sent = 0;
  auto deadline = Clock::now() + timeout;
  for (int round = 0; Clock::now() < deadline && round < 1000000 && !result.last_call_answered;
       ++round) {
    if (sent < out.size()) sent += conn->send(std::string_view(out).substr(sent), Millis(0));
    if (mux) {
      auto frame = conn->readMux(Millis(5));
      if (!frame && conn->closed()) break;
      result.last_call_answered = frame && frame->tag == last_tag && frame->type == -2;
    } else {
      auto payload = conn->readFramed(Millis(5));
      if (!payload && conn->closed()) break;
      auto reply = payload ? wire::parseThriftReply(*payload) : std::nullopt;
      result.last_call_answered = reply && reply->success == std::optional<std::string>("amp:last");
    }
  }
  result.closed = conn->closed();
  result.received = conn->received() - before;
  return result;
}

}  // namespace scales::adversarial

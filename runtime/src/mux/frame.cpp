// SPDX-License-Identifier: Apache-2.0
// Encoders and decoders for every Mux message. Every read is bounds-checked against the body it
// reads from; nothing is trusted from the peer.
#include "scales/mux/frame.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "scales/core/errors.h"

namespace scales::mux {
namespace {

[[noreturn]] void malformed(const char* what) {
  throw ProtocolError(std::string("malformed mux message: ") + what);
}

// Big-endian appends, a whole field at a time.
template <int N, class T>
void putBig(std::string& out, T v) {
  char bytes[N];
  for (int i = 0; i < N; ++i) bytes[i] = static_cast<char>(v >> (8 * (N - 1 - i)));
  out.append(bytes, N);
}
void putU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void putU16(std::string& out, uint16_t v) { putBig<2>(out, v); }
void putU32(std::string& out, uint32_t v) { putBig<4>(out, v); }
void putU64(std::string& out, uint64_t v) { putBig<8>(out, v); }
void putBytes16(std::string& out, std::string_view s) {
  if (s.size() > 0xffff) throw ProtocolError("mux field longer than 65535 bytes");
  putU16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}
void putBytes32(std::string& out, std::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
void putPairs16(std::string& out, const Pairs& pairs) {
  if (pairs.size() > 0xffff) throw ProtocolError("more than 65535 mux contexts");
  putU16(out, static_cast<uint16_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    putBytes16(out, k);
    putBytes16(out, v);
  }
}

// Reserves the 8-byte header; finish() fills in the size once the body is written.
size_t begin(std::string& out, int8_t type, uint32_t tag) {
  if (tag > 0xffffff) throw ProtocolError("mux tag out of range: " + std::to_string(tag));
  size_t start = out.size();
  putU32(out, 0);
  putU32(out, (static_cast<uint32_t>(static_cast<uint8_t>(type)) << 24) | tag);
  return start;
}
void finish(std::string& out, size_t start) {
  uint32_t size = static_cast<uint32_t>(out.size() - start - 4);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<char>(size >> (24 - 8 * i));
}

// Sequential reads over a body.
class Reader {
 public:
  explicit Reader(std::string_view body) : body_(body) {}
  uint8_t u8(const char* what) {
    need(1, what);
    return static_cast<uint8_t>(body_[pos_++]);
  }
  uint16_t u16(const char* what) {
    need(2, what);
    uint16_t v = static_cast<uint16_t>((byte(0) << 8) | byte(1));
    pos_ += 2;
    return v;
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v =
        (uint32_t{byte(0)} << 24) | (uint32_t{byte(1)} << 16) | (uint32_t{byte(2)} << 8) | byte(3);
    pos_ += 4;
    return v;
  }
  uint64_t u64(const char* what) {
    uint64_t hi = u32(what);
    return (hi << 32) | u32(what);
  }
  std::string bytes(size_t n, const char* what) {
    need(n, what);
    std::string s(body_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string bytes8(const char* what) { return bytes(u8(what), what); }
  std::string bytes16(const char* what) { return bytes(u16(what), what); }
  std::string bytes32(const char* what) { return bytes(u32(what), what); }
  Pairs pairs16(const char* what) {
    uint16_t n = u16(what);
    Pairs out;
    out.reserve(std::min<size_t>(n, remaining() / 4));  // each pair takes at least 4 bytes
    for (uint16_t i = 0; i < n; ++i) {
      std::string k = bytes16(what);
      out.emplace_back(std::move(k), bytes16(what));
    }
    return out;
  }
  std::string rest() {
    std::string s(body_.substr(pos_));
    pos_ = body_.size();
    return s;
  }
  size_t remaining() const { return body_.size() - pos_; }
  size_t position() const { return pos_; }
  void skip(size_t n, const char* what) {
    need(n, what);
    pos_ += n;
  }
  void end(const char* what) {
    if (remaining() != 0) malformed(what);
  }

 private:
  void need(size_t n, const char* what) {
    if (remaining() < n) malformed(what);
  }
  uint8_t byte(size_t i) const { return static_cast<uint8_t>(body_[pos_ + i]); }

  std::string_view body_;
  size_t pos_ = 0;
};

ReplyStatus status(uint8_t raw) {
  if (raw > 2) malformed("reply status not 0, 1 or 2");
  return static_cast<ReplyStatus>(raw);
}

struct Encoder {
  std::string& out;

  void operator()(const Treq& m) {
    auto s = begin(out, type::kTreq, m.tag);
    if (m.keys.size() > 0xff) throw ProtocolError("more than 255 Treq keys");
    putU8(out, static_cast<uint8_t>(m.keys.size()));
    for (const auto& [k, v] : m.keys) {
      if (v.size() > 0xff) throw ProtocolError("Treq value longer than 255 bytes");
      putU8(out, k);
      putU8(out, static_cast<uint8_t>(v.size()));
      out.append(v);
    }
    out.append(m.body);
    finish(out, s);
  }
  void operator()(const Rreq& m) {
    auto s = begin(out, type::kRreq, m.tag);
    putU8(out, static_cast<uint8_t>(m.status));
    out.append(m.body);
    finish(out, s);
  }
  void operator()(const Tdispatch& m) {
    auto s = begin(out, type::kTdispatch, m.tag);
    putPairs16(out, m.contexts);
    putBytes16(out, m.destination);
    putPairs16(out, m.dtab);
    out.append(m.body);
    finish(out, s);
  }
  void operator()(const Rdispatch& m) {
    auto s = begin(out, type::kRdispatch, m.tag);
    putU8(out, static_cast<uint8_t>(m.status));
    putPairs16(out, m.contexts);
    out.append(m.body);
    finish(out, s);
  }
  void operator()(const Tdrain& m) { finish(out, begin(out, type::kTdrain, m.tag)); }
  void operator()(const Rdrain& m) { finish(out, begin(out, type::kRdrain, m.tag)); }
  void operator()(const Tping& m) { finish(out, begin(out, type::kTping, m.tag)); }
  void operator()(const Rping& m) { finish(out, begin(out, type::kRping, m.tag)); }
  void operator()(const Tdiscarded& m) {
    auto s = begin(out, type::kTdiscardedLegacy, kMarkerTag);
    if (m.discard_tag > 0xffffff) throw ProtocolError("discarded tag out of range");
    putU8(out, static_cast<uint8_t>(m.discard_tag >> 16));
    putU16(out, static_cast<uint16_t>(m.discard_tag));
    out.append(m.why);
    finish(out, s);
  }
  void operator()(const Rdiscarded& m) { finish(out, begin(out, type::kRdiscarded, m.tag)); }
  void operator()(const Tlease& m) {
    auto s = begin(out, type::kTlease, kMarkerTag);
    putU8(out, m.unit);
    putU64(out, m.amount);
    finish(out, s);
  }
  void operator()(const Tinit& m) { init(type::kTinit, m.tag, m.version, m.headers); }
  void operator()(const Rinit& m) { init(type::kRinit, m.tag, m.version, m.headers); }
  void operator()(const Rerr& m) {
    auto s = begin(out, type::kRerrLegacy, m.tag);
    out.append(m.why);
    finish(out, s);
  }
  void operator()(const Unknown& m) { finish(out, begin(out, m.type, m.tag)); }

  void init(int8_t t, uint32_t tag, uint16_t version, const Pairs& headers) {
    auto s = begin(out, t, tag);
    putU16(out, version);
    for (const auto& [k, v] : headers) {
      putBytes32(out, k);
      putBytes32(out, v);
    }
    finish(out, s);
  }
};

Pairs initHeaders(Reader& r) {
  Pairs headers;
  while (r.remaining() > 0) {
    std::string k = r.bytes32("init header key");
    headers.emplace_back(std::move(k), r.bytes32("init header value"));
  }
  return headers;
}

}  // namespace

void encode(const Message& message, std::string& out) { std::visit(Encoder{out}, message); }

TdispatchView viewTdispatch(std::string_view body) {
  Reader r(body);
  auto skipPairs = [&r](const char* what) {
    uint16_t n = r.u16(what);
    for (uint16_t i = 0; i < n; ++i) {
      r.skip(r.u16(what), what);
      r.skip(r.u16(what), what);
    }
  };
  TdispatchView view;
  size_t start = r.position();
  skipPairs("Tdispatch contexts");
  view.contexts = body.substr(start, r.position() - start);
  size_t dst = r.u16("Tdispatch destination");
  view.destination = body.substr(r.position(), dst);
  r.skip(dst, "Tdispatch destination");
  skipPairs("Tdispatch dtab");
  view.body = body.substr(r.position());
  return view;
}

RdispatchView viewRdispatch(std::string_view body) {
  Reader r(body);
  RdispatchView view;
  view.status = status(r.u8("Rdispatch status"));
  uint16_t n = r.u16("Rdispatch contexts");
  for (uint16_t i = 0; i < n; ++i) {
    r.skip(r.u16("Rdispatch contexts"), "Rdispatch contexts");
    r.skip(r.u16("Rdispatch contexts"), "Rdispatch contexts");
  }
  view.body = body.substr(r.position());
  return view;
}

void forEachContext(std::string_view contexts,
                    const std::function<void(std::string_view, std::string_view)>& visit) {
  Reader r(contexts);
  uint16_t n = r.u16("contexts");
  for (uint16_t i = 0; i < n; ++i) {
    size_t key_size = r.u16("context key");
    std::string_view k = contexts.substr(r.position(), key_size);
    r.skip(key_size, "context key");
    size_t value_size = r.u16("context value");
    std::string_view v = contexts.substr(r.position(), value_size);
    r.skip(value_size, "context value");
    visit(k, v);
  }
}

std::optional<std::string_view> findContext(std::string_view contexts, std::string_view key) {
  std::optional<std::string_view> found;
  forEachContext(contexts, [&](std::string_view k, std::string_view v) {
    if (!found && k == key) found = v;
  });
  return found;
}

void encodeRdispatch(uint32_t tag, ReplyStatus status, std::string_view body, std::string& out) {
  auto s = begin(out, type::kRdispatch, tag);
  putU8(out, static_cast<uint8_t>(status));
  putU16(out, 0);
  out.append(body);
  finish(out, s);
}

std::pair<int8_t, uint32_t> Reassembler::header(std::string_view payload) {
  if (payload.size() < 4) malformed("frame shorter than its type and tag");
  uint32_t tag = (uint32_t{static_cast<uint8_t>(payload[1])} << 16) |
                 (uint32_t{static_cast<uint8_t>(payload[2])} << 8) |
                 static_cast<uint8_t>(payload[3]);
  return {static_cast<int8_t>(payload[0]), tag};
}

void Reassembler::append(std::string& joined, std::string_view body) {
  if (body.size() > max_bytes_ - bytes_) {
    throw ProtocolError("fragmented mux messages exceed max_message_bytes (" +
                        std::to_string(max_bytes_) + ") in reassembly");
  }
  joined.append(body);
  bytes_ += body.size();
}

void Reassembler::refuse(uint32_t tag, const char* why) {
  throw ProtocolError("mux fragment on tag " + std::to_string(tag) + ": " + why);
}

std::string framerHeader(size_t max_fragment) {
  std::string value;
  putU32(value, static_cast<uint32_t>(std::min<size_t>(max_fragment, INT32_MAX)));
  return value;
}

std::optional<size_t> parseFramerHeader(std::string_view value) {
  if (value.size() < 4) return std::nullopt;
  Reader r(value);
  uint32_t v = r.u32("mux-framer");
  if (v == 0 || v >= INT32_MAX) return std::nullopt;
  return std::max<size_t>(v, kMinFragmentBytes);
}

void encodeTdispatch(uint32_t tag, const ContextView* contexts, size_t count, std::string_view body,
                     std::string& out) {
  if (count > 0xffff) throw ProtocolError("more than 65535 mux contexts");
  if (tag > 0xffffff) throw ProtocolError("mux tag out of range: " + std::to_string(tag));
  // Sized first and written in place: a frame is a dozen small fields, and appending them one at
  // a time costs more than the bytes.
  size_t size = kHeaderSize + 2 + 2 + 2 + body.size();
  for (size_t i = 0; i < count; ++i) {
    if (contexts[i].first.size() > 0xffff || contexts[i].second.size() > 0xffff) {
      throw ProtocolError("mux field longer than 65535 bytes");
    }
    size += 4 + contexts[i].first.size() + contexts[i].second.size();
  }
  size_t start = out.size();
  out.resize(start + size);
  char* p = out.data() + start;
  auto put16 = [&p](size_t v) {
    p[0] = static_cast<char>(v >> 8);
    p[1] = static_cast<char>(v);
    p += 2;
  };
  auto put32 = [&p](uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
    p += 4;
  };
  auto putBytes = [&p](std::string_view s) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put32(static_cast<uint32_t>(size - 4));
  put32((static_cast<uint32_t>(static_cast<uint8_t>(type::kTdispatch)) << 24) | tag);
  put16(count);
  for (size_t i = 0; i < count; ++i) {
    put16(contexts[i].first.size());
    putBytes(contexts[i].first);
    put16(contexts[i].second.size());
    putBytes(contexts[i].second);
  }
  put16(0);  // destination
  put16(0);  // dtab
  putBytes(body);
}

void appendFragmented(std::string_view frame, size_t max_fragment, std::string& out) {
  if (max_fragment == 0) throw ProtocolError("mux fragment size must be positive");
  auto type_byte = static_cast<uint8_t>(frame[4]);
  uint32_t tag = (uint32_t{static_cast<uint8_t>(frame[5])} << 16) |
                 (uint32_t{static_cast<uint8_t>(frame[6])} << 8) | static_cast<uint8_t>(frame[7]);
  std::string_view body = frame.substr(kHeaderSize);
  do {
    size_t n = std::min(body.size(), max_fragment);
    bool more = n < body.size();
    auto s = begin(out, static_cast<int8_t>(type_byte), more ? (tag | kFragmentBit) : tag);
    out.append(body.substr(0, n));
    finish(out, s);
    body.remove_prefix(n);
  } while (!body.empty());
}

FrameStatus readFrame(std::string_view buffer, size_t max_frame, Frame& frame, size_t& consumed) {
  if (buffer.size() < 4) return FrameStatus::kNeedMore;
  auto b = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  uint32_t size = (uint32_t{b(0)} << 24) | (uint32_t{b(1)} << 16) | (uint32_t{b(2)} << 8) | b(3);
  if (size < 4) return FrameStatus::kMalformed;
  if (size > max_frame) return FrameStatus::kTooLarge;
  if (buffer.size() < 4 + size_t{size}) return FrameStatus::kNeedMore;
  frame.type = static_cast<int8_t>(b(4));
  uint32_t raw_tag = (uint32_t{b(5)} << 16) | (uint32_t{b(6)} << 8) | b(7);
  frame.more_fragments = (raw_tag & kFragmentBit) != 0;
  frame.tag = raw_tag & ~kFragmentBit;
  frame.body = buffer.substr(kHeaderSize, size - 4);
  consumed = 4 + size_t{size};
  return FrameStatus::kComplete;
}

Message decode(int8_t t, uint32_t tag, std::string_view body) {
  Reader r(body);
  switch (t) {
    case type::kTreq: {
      Treq m{tag, {}, {}};
      uint8_t n = r.u8("Treq key count");
      for (uint8_t i = 0; i < n; ++i) {
        uint8_t key = r.u8("Treq key");
        m.keys.emplace_back(key, r.bytes8("Treq value"));
      }
      m.body = r.rest();
      return m;
    }
    case type::kRreq: {
      Rreq m{tag, status(r.u8("Rreq status")), {}};
      m.body = r.rest();
      return m;
    }
    case type::kTdispatch: {
      Tdispatch m;
      m.tag = tag;
      m.contexts = r.pairs16("Tdispatch contexts");
      m.destination = r.bytes16("Tdispatch destination");
      m.dtab = r.pairs16("Tdispatch dtab");
      m.body = r.rest();
      return m;
    }
    case type::kRdispatch: {
      Rdispatch m;
      m.tag = tag;
      m.status = status(r.u8("Rdispatch status"));
      m.contexts = r.pairs16("Rdispatch contexts");
      m.body = r.rest();
      return m;
    }
    case type::kTdrain:
      r.end("Tdrain has a body");
      return Tdrain{tag};
    case type::kRdrain:
      r.end("Rdrain has a body");
      return Rdrain{tag};
    case type::kTping:
      r.end("Tping has a body");
      return Tping{tag};
    case type::kRping:
      r.end("Rping has a body");
      return Rping{tag};
    case type::kTdiscarded:
    case type::kTdiscardedLegacy: {
      uint32_t which = uint32_t{r.u8("Tdiscarded tag")} << 16;
      which |= r.u16("Tdiscarded tag");
      return Tdiscarded{which, r.rest()};
    }
    case type::kRdiscarded:
      r.end("Rdiscarded has a body");
      return Rdiscarded{tag};
    case type::kTlease: {
      Tlease m;
      m.unit = r.u8("Tlease unit");
      m.amount = r.u64("Tlease amount");
      r.end("Tlease has trailing bytes");
      return m;
    }
    case type::kTinit: {
      uint16_t version = r.u16("Tinit version");
      return Tinit{tag, version, initHeaders(r)};
    }
    case type::kRinit: {
      uint16_t version = r.u16("Rinit version");
      return Rinit{tag, version, initHeaders(r)};
    }
    case type::kRerr:
    case type::kRerrLegacy:
      return Rerr{tag, r.rest()};
    default:
      return Unknown{t, tag};
  }
}

}  // namespace scales::mux

// SPDX-License-Identifier: Apache-2.0
// Encoders and decoders of wire.h, written from the specs (Thrift's binary protocol,
// docs/architecture.md's Mux wire notes) so that the attackers do not share the runtime's code
// paths.
#include "wire.h"

#include <chrono>

namespace scales::adversarial::wire {

void putU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void putU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void putU64(std::string& out, uint64_t v) {
  putU32(out, static_cast<uint32_t>(v >> 32));
  putU32(out, static_cast<uint32_t>(v));
}
uint32_t getU32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

namespace {
void putString(std::string& out, std::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// A cursor over a Thrift message that fails softly (ok = false) instead of reading past the end.
struct Reader {
  std::string_view b;
  size_t at = 0;
  bool ok = true;

  bool need(size_t n) {
    if (!ok || at > b.size() || b.size() - at < n) ok = false;
    return ok;
  }
  uint8_t u8() { return need(1) ? static_cast<uint8_t>(b[at++]) : 0; }
  int16_t i16() {
    if (!need(2)) return 0;
    auto v =
        static_cast<int16_t>((static_cast<uint8_t>(b[at]) << 8) | static_cast<uint8_t>(b[at + 1]));
    at += 2;
    return v;
  }
  int32_t i32() {
    if (!need(4)) return 0;
    auto v = static_cast<int32_t>(getU32(b, at));
    at += 4;
    return v;
  }
  std::string str() {
    auto n = static_cast<uint32_t>(i32());
    if (!need(n)) return {};
    std::string s(b.substr(at, n));
    at += n;
    return s;
  }
  void skip(uint8_t type, int depth = 0) {
    if (depth > 32) {
      ok = false;
      return;
    }
    switch (type) {
      case 2:  // bool
      case 3:  // byte
        need(1) && (at += 1);
        break;
      case 6:  // i16
        need(2) && (at += 2);
        break;
      case 8:  // i32
        need(4) && (at += 4);
        break;
      case 4:   // double
      case 10:  // i64
        need(8) && (at += 8);
        break;
      case 11:  // string
        str();
        break;
      case 12:  // struct
        for (uint8_t t = u8(); ok && t != 0; t = u8()) {
          i16();
          skip(t, depth + 1);
        }
        break;
      case 13: {  // map
        uint8_t k = u8(), v = u8();
        auto n = i32();
        for (int32_t i = 0; ok && i < n; ++i) {
          skip(k, depth + 1);
          skip(v, depth + 1);
        }
        break;
      }
      case 14:    // set
      case 15: {  // list
        uint8_t e = u8();
        auto n = i32();
        for (int32_t i = 0; ok && i < n; ++i) skip(e, depth + 1);
        break;
      }
      default:
        ok = false;
    }
  }
};
}  // namespace

std::string flakyCall(const std::string& method, int32_t seqid, const std::string& key,
                      int32_t delay_ms, int8_t message_type) {
  std::string out;
  putU32(out, 0x80010000u | static_cast<uint8_t>(message_type));
  putString(out, method);
  putU32(out, static_cast<uint32_t>(seqid));
  out.push_back(11);  // 1: string key
  putU16(out, 1);
  putString(out, key);
  out.push_back(8);  // 2: i32 delay_ms
  putU16(out, 2);
  putU32(out, static_cast<uint32_t>(delay_ms));
  out.push_back(0);  // stop
  return out;
}

std::string framed(std::string_view payload) {
  std::string out;
  putU32(out, static_cast<uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string framedFlakyCall(const std::string& method, int32_t seqid, const std::string& key,
                            int32_t delay_ms) {
  return framed(flakyCall(method, seqid, key, delay_ms));
}

std::optional<ThriftReply> parseThriftReply(std::string_view message) {
  Reader r{message};
  ThriftReply reply;
  auto version = static_cast<uint32_t>(r.i32());
  if (!r.ok || (version & 0xffff0000u) != 0x80010000u) return std::nullopt;
  reply.type = static_cast<int8_t>(version & 0xff);
  reply.name = r.str();
  reply.seqid = r.i32();
  for (uint8_t t = r.u8(); r.ok && t != 0; t = r.u8()) {
    int16_t id = r.i16();
    if (reply.type == kReply && id == 0 && t == 11) {
      reply.success = r.str();
    } else if (reply.type == kReply && (id == 1 || id == 2) && t == 12) {
      reply.declared_exception = true;
      r.skip(t);
    } else if (reply.type == kException && id == 1 && t == 11) {
      reply.error_message = r.str();
    } else if (reply.type == kException && id == 2 && t == 8) {
      reply.error_type = r.i32();
    } else {
      r.skip(t);
    }
  }
  if (!r.ok) return std::nullopt;
  return reply;
}

std::string muxFrame(int8_t type, uint32_t tag, std::string_view body) {
  std::string out;
  putU32(out, static_cast<uint32_t>(body.size() + 4));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>((tag >> 16) & 0xff));
  out.push_back(static_cast<char>((tag >> 8) & 0xff));
  out.push_back(static_cast<char>(tag & 0xff));
  out.append(body);
  return out;
}

std::string tdispatchBody(const Contexts& contexts, std::string_view thrift) {
  std::string body;
  putU16(body, static_cast<uint16_t>(contexts.size()));
  for (const auto& [k, v] : contexts) {
    putU16(body, static_cast<uint16_t>(k.size()));
    body.append(k);
    putU16(body, static_cast<uint16_t>(v.size()));
    body.append(v);
  }
  putU16(body, 0);  // dst
  putU16(body, 0);  // dtab
  body.append(thrift);
  return body;
}

std::string tdispatch(uint32_t tag, const std::string& key, int32_t delay_ms,
                      const Contexts& contexts) {
  return muxFrame(2, tag, tdispatchBody(contexts, flakyCall("read", 0, key, delay_ms)));
}

std::string deadlineValue(int64_t timestamp_ns, int64_t deadline_ns) {
  std::string out;
  putU64(out, static_cast<uint64_t>(timestamp_ns));
  putU64(out, static_cast<uint64_t>(deadline_ns));
  return out;
}

int64_t epochNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string tinit(const Contexts& headers) {
  std::string body;
  putU16(body, 1);
  for (const auto& [k, v] : headers) {
    putU32(body, static_cast<uint32_t>(k.size()));
    body.append(k);
    putU32(body, static_cast<uint32_t>(v.size()));
    body.append(v);
  }
  return muxFrame(68, 1, body);
}

std::string tdiscarded(uint32_t discard_tag, std::string_view why) {
  std::string body;
  body.push_back(static_cast<char>((discard_tag >> 16) & 0xff));
  body.push_back(static_cast<char>((discard_tag >> 8) & 0xff));
  body.push_back(static_cast<char>(discard_tag & 0xff));
  body.append(why);
  return muxFrame(-62, 0, body);
}

std::optional<MuxFrame> takeMuxFrame(std::string& buffer) {
  if (buffer.size() < 4) return std::nullopt;
  uint32_t size = getU32(buffer, 0);
  if (size < 4) {
    // Malformed: hand it up as type 0 with the raw size, so the caller notices.
    MuxFrame bad;
    bad.body = buffer.substr(0, 4);
    buffer.erase(0, 4);
    return bad;
  }
  if (buffer.size() - 4 < size) return std::nullopt;
  MuxFrame f;
  f.type = static_cast<int8_t>(buffer[4]);
  uint32_t tag = getU32(buffer, 4) & 0x00ffffffu;
  f.more = (tag & 0x800000u) != 0;
  f.tag = tag & 0x7fffffu;
  f.body = buffer.substr(8, size - 4);
  buffer.erase(0, 4 + size);
  return f;
}

std::optional<std::string> takeFramed(std::string& buffer) {
  if (buffer.size() < 4) return std::nullopt;
  uint32_t size = getU32(buffer, 0);
  if (buffer.size() - 4 < size) return std::nullopt;
  std::string payload = buffer.substr(4, size);
  buffer.erase(0, 4 + size);
  return payload;
}

std::optional<Rdispatch> parseRdispatch(std::string_view body) {
  Reader r{body};
  Rdispatch d;
  d.status = r.u8();
  uint16_t n = static_cast<uint16_t>(r.i16());
  for (uint16_t i = 0; r.ok && i < n; ++i) {
    uint16_t klen = static_cast<uint16_t>(r.i16());
    r.need(klen) && (r.at += klen);
    uint16_t vlen = static_cast<uint16_t>(r.i16());
    r.need(vlen) && (r.at += vlen);
  }
  if (!r.ok) return std::nullopt;
  d.body = std::string(body.substr(r.at));
  return d;
}

}  // namespace scales::adversarial::wire

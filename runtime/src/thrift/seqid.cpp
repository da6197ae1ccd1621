// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/seqid.h"

#include "scales/core/errors.h"

namespace scales::thrift {
namespace {

constexpr uint8_t kBinaryStrict = 0x80;
constexpr uint8_t kCompact = 0x82;

[[noreturn]] void malformed(const char* what) {
  throw ProtocolError(std::string("thrift message header: ") + what);
}

uint32_t big32(std::string_view b, size_t at) {
  if (b.size() < at + 4) malformed("truncated");
  auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])); };
  return (u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3);
}

void putBig32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}

// Where the seqid lies: [offset, offset + size). Compact seqids are varints of any length.
struct SeqidField {
  size_t offset;
  size_t size;
};

SeqidField locate(std::string_view m) {
  if (m.empty()) malformed("empty");
  auto first = static_cast<uint8_t>(m[0]);
  if (first == kCompact) {
    size_t at = 2, size = 0;
    while (true) {
      if (at + size >= m.size()) malformed("truncated seqid");
      if (size == 5) malformed("seqid varint too long");
      bool more = (static_cast<uint8_t>(m[at + size]) & 0x80) != 0;
      ++size;
      if (!more) break;
    }
    return {at, size};
  }
  if (first == kBinaryStrict) {  // version:4 name~4 seqid:4
    uint32_t name = big32(m, 4);
    if (name > m.size()) malformed("name longer than the message");
    size_t at = 8 + size_t{name};
    if (m.size() < at + 4) malformed("truncated");
    return {at, 4};
  }
  // Non-strict binary: name~4 type:1 seqid:4
  uint32_t name = big32(m, 0);
  if (name > m.size()) malformed("name longer than the message");
  size_t at = 4 + size_t{name} + 1;
  if (m.size() < at + 4) malformed("truncated");
  return {at, 4};
}

}  // namespace

int32_t seqidOf(std::string_view message) {
  SeqidField f = locate(message);
  if (f.size == 4) return static_cast<int32_t>(big32(message, f.offset));
  uint32_t v = 0;
  for (size_t i = 0; i < f.size; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(message[f.offset + i]) & 0x7f) << (7 * i);
  }
  return static_cast<int32_t>(v);
}

void appendFramedWithSeqid(std::string& out, std::string_view message, int32_t seqid) {
  SeqidField f = locate(message);
  char field[5];
  size_t field_size = 4;
  if (f.size == 4) {
    putBig32(field, static_cast<uint32_t>(seqid));
  } else {
    auto v = static_cast<uint32_t>(seqid);
    field_size = 0;
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      field[field_size++] = static_cast<char>(v ? byte | 0x80 : byte);
    } while (v);
  }
  size_t size = message.size() - f.size + field_size;
  char prefix[4];
  putBig32(prefix, static_cast<uint32_t>(size));
  out.append(prefix, 4);
  out.append(message.substr(0, f.offset));
  out.append(field, field_size);
  out.append(message.substr(f.offset + f.size));
}

}  // namespace scales::thrift

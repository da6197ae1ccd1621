// SPDX-License-Identifier: Apache-2.0
#include "scales/redis/resp.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace scales::redis {
namespace {

// Reads one reply from `in` at `pos`. Returns false when the bytes end before the reply does;
// `out` null only checks and skips. One function serves framing and decoding, so both accept
// exactly the same bytes.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t position() const { return pos_; }
  // After read() returned false: a size `in` must reach before the reply can be whole (what
  // the reply read so far says is missing, each element still to come counted at its 3-byte
  // minimum). A pipelined connection frames again only once that much has arrived, so a large
  // reply that arrives in many reads is not parsed from its start after every one of them.
  size_t needed() const { return std::max(need_, in_.size() + 1); }

  bool read(Reply* out, int depth) {
    if (depth > kMaxReplyDepth) {
      throw ProtocolError("reply nested deeper than " + std::to_string(kMaxReplyDepth));
    }
    if (pos_ >= in_.size()) {
      need_ = pos_ + kMinReplyBytes;
      return false;
    }
    char type = in_[pos_];
    std::string_view line;
    if (!readLine(line)) return false;
    switch (type) {
      case '+':
        return set(out, Reply::Type::kSimpleString, line);
      case '-':
        return set(out, Reply::Type::kError, line);
      case '(':
        checkDigits(line, "big number");
        return set(out, Reply::Type::kBigNumber, line);
      case ':':
        if (out) {
          out->type = Reply::Type::kInteger;
          out->integer = toInteger(line, "integer");
        } else {
          toInteger(line, "integer");
        }
        return true;
      case '#':
        if (line != "t" && line != "f") throw ProtocolError("boolean reply '" + quoted(line) + "'");
        if (out) {
          out->type = Reply::Type::kBoolean;
          out->integer = line == "t";
        }
        return true;
      case ',':
        return readDouble(out, line);
      case '_':
        if (!line.empty()) throw ProtocolError("null reply with a body");
        if (out) out->type = Reply::Type::kNil;
        return true;
      case '$':
      case '=':
      case '!':
        return readBulk(out, type, line);
      case '*':
      case '~':
      case '%':
      case '|':
        return readAggregate(out, type, line, depth);
      default:
        throw ProtocolError("reply starts with '" + quoted(std::string_view(&type, 1)) +
                            "', not a RESP type");
    }
  }

 private:
  static std::string quoted(std::string_view bytes) {
    std::string text;
    for (char c : bytes.substr(0, 32)) {
      if (c >= 0x20 && c < 0x7f) {
        text += c;
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
        text += hex;
      }
    }
    return text;
  }

  // The line after the type byte, without its CRLF. Lines are short (a status, an error, a
  // number, a length): one past kMaxLineBytes is refused, so a line that never ends is not
  // searched again from its start after every read until max_frame_bytes.
  bool readLine(std::string_view& line) {
    auto window = in_.substr(0, std::min(in_.size(), pos_ + 1 + kMaxLineBytes + 2));
    auto end = window.find("\r\n", pos_ + 1);
    if (end == std::string_view::npos) {
      if (window.find('\n', pos_ + 1) != std::string_view::npos) {
        throw ProtocolError("reply line not ended by CRLF");
      }
      if (window.size() == pos_ + 1 + kMaxLineBytes + 2) {
        throw ProtocolError("reply line longer than " + std::to_string(kMaxLineBytes) + " bytes");
      }
      need_ = in_.size() + 1;
      return false;
    }
    line = in_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 2;
    return true;
  }

  static bool set(Reply* out, Reply::Type type, std::string_view text) {
    if (out) {
      out->type = type;
      out->string.assign(text);
    }
    return true;
  }

  static void checkDigits(std::string_view text, const char* what) {
    auto digits = text.substr(!text.empty() && text[0] == '-');
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      throw ProtocolError(std::string(what) + " reply '" + quoted(text) + "' is not a number");
    }
  }

  static int64_t toInteger(std::string_view text, const char* what) {
    checkDigits(text, what);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      throw ProtocolError(std::string(what) + " '" + quoted(text) + "' out of range");
    }
    return value;
  }

  bool readDouble(Reply* out, std::string_view line) {
    std::string text(line);
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
      throw ProtocolError("double reply '" + quoted(line) + "'");
    }
    if (out) {
      out->type = Reply::Type::kDouble;
      out->string = std::move(text);
      out->number = value;
    }
    return true;
  }

  bool readBulk(Reply* out, char type, std::string_view line) {
    int64_t size = toInteger(line, "bulk length");
    if (size == -1 && type == '$') {
      if (out) out->type = Reply::Type::kNil;
      return true;
    }
    if (size < 0) throw ProtocolError("bulk length " + std::to_string(size));
    auto length = static_cast<size_t>(size);
    if (in_.size() - pos_ < length + 2) {
      need_ = pos_ + length + 2;
      return false;
    }
    if (in_.compare(pos_ + length, 2, "\r\n") != 0) {
      throw ProtocolError("bulk string of " + std::to_string(size) + " bytes not ended by CRLF");
    }
    auto body = in_.substr(pos_, length);
    pos_ += length + 2;
    if (type == '=') {
      if (body.size() < 4 || body[3] != ':') throw ProtocolError("verbatim string without format");
      body.remove_prefix(4);
    }
    return set(out, type == '!' ? Reply::Type::kError : Reply::Type::kBulkString, body);
  }

  bool readAggregate(Reply* out, char type, std::string_view line, int depth) {
    int64_t count = toInteger(line, "aggregate length");
    if (count == -1 && type == '*') {
      if (out) out->type = Reply::Type::kNil;
      return true;
    }
    if (count < 0) throw ProtocolError("aggregate length " + std::to_string(count));
    uint64_t elements = static_cast<uint64_t>(count) * (type == '%' || type == '|' ? 2 : 1);
    // Each element takes at least 3 bytes: a count beyond what is left is not all here yet (and
    // is not allocated for; the frame-size bound ends a count that lies).
    if (elements > (in_.size() - pos_) / kMinReplyBytes) {
      need_ = pos_ + minimumBytes(elements);
      return false;
    }
    if (type == '|') {
      // Attributes describe the reply that follows; we keep only that reply.
      for (uint64_t i = 0; i < elements; ++i) {
        if (!read(nullptr, depth + 1)) return stillOwed(elements - i - 1 + 1);
      }
      return read(out, depth);
    }
    if (out) {
      out->type = type == '%' ? Reply::Type::kMap : Reply::Type::kArray;
      out->elements.resize(elements);
    }
    for (uint64_t i = 0; i < elements; ++i) {
      if (!read(out ? &out->elements[i] : nullptr, depth + 1)) return stillOwed(elements - i - 1);
    }
    return true;
  }

  // `replies` more whole replies at their smallest, saturating (a count may be anything).
  static size_t minimumBytes(uint64_t replies) {
    return replies > SIZE_MAX / kMinReplyBytes / 2 ? SIZE_MAX / 2 : replies * kMinReplyBytes;
  }
  // An element ended short: what it misses, and the `replies` after it at their smallest.
  bool stillOwed(uint64_t replies) {
    need_ = std::min(SIZE_MAX / 2, need_) + minimumBytes(replies);
    return false;
  }

  static constexpr size_t kMinReplyBytes = 3;  // "_\r\n", ":1\r\n" is 4
  static constexpr size_t kMaxLineBytes = 64 * 1024;

  std::string_view in_;
  size_t pos_ = 0;
  size_t need_ = 0;
};

}  // namespace

std::string_view typeName(Reply::Type type) {
  switch (type) {
    case Reply::Type::kNil:
      return "nil";
    case Reply::Type::kSimpleString:
      return "simple string";
    case Reply::Type::kError:
      return "error";
    case Reply::Type::kInteger:
      return "integer";
    case Reply::Type::kBulkString:
      return "bulk string";
    case Reply::Type::kArray:
      return "array";
    case Reply::Type::kMap:
      return "map";
    case Reply::Type::kDouble:
      return "double";
    case Reply::Type::kBoolean:
      return "boolean";
    case Reply::Type::kBigNumber:
      return "big number";
  }
  return "?";
}

ServerError::ServerError(const std::string& text)
    : Error("redis: " + text), kind_(text.substr(0, text.find(' '))) {}

namespace {
size_t decimalDigits(size_t n) {
  size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

// "<tag><n>\r\n" at `at`; returns the position after it.
char* header(char* at, char tag, size_t n) {
  *at++ = tag;
  at = std::to_chars(at, at + decimalDigits(n), n).ptr;
  *at++ = '\r';
  *at++ = '\n';
  return at;
}
}  // namespace

// Sized first and written in place: one allocation at most, where appending piece by piece
// (with a std::to_string per length) grew the string several times per command.
void appendCommand(std::string& out, std::span<const std::string_view> args) {
  size_t size = 3 + decimalDigits(args.size());
  for (auto arg : args) size += 3 + decimalDigits(arg.size()) + arg.size() + 2;
  size_t start = out.size();
  out.resize(start + size);
  char* at = header(out.data() + start, '*', args.size());
  for (auto arg : args) {
    at = header(at, '$', arg.size());
    if (!arg.empty()) std::memcpy(at, arg.data(), arg.size());
    at += arg.size();
    *at++ = '\r';
    *at++ = '\n';
  }
}

std::string encodeCommand(std::initializer_list<std::string_view> args) {
  std::string out;
  appendCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
  return out;
}

std::optional<transport::FrameBounds> frameReply(std::string_view buffered, size_t max_frame,
                                                 size_t& needed) {
  Reader reader(buffered);
  if (!reader.read(nullptr, 0)) {
    needed = reader.needed();
    if (needed > max_frame) {
      throw ProtocolError("reply of at least " + std::to_string(needed) +
                          " bytes exceeds max_frame_bytes (" + std::to_string(max_frame) + ")");
    }
    return std::nullopt;
  }
  if (reader.position() > max_frame) {
    throw ProtocolError("reply of " + std::to_string(reader.position()) +
                        " bytes exceeds max_frame_bytes (" + std::to_string(max_frame) + ")");
  }
  return transport::FrameBounds{0, reader.position(), reader.position()};
}

Reply parseReply(std::string_view bytes) {
  Reader reader(bytes);
  Reply reply;
  if (!reader.read(&reply, 0) || reader.position() != bytes.size()) {
    throw ProtocolError("not exactly one RESP reply");
  }
  return reply;
}

}  // namespace scales::redis

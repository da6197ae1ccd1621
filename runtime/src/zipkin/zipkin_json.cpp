// SPDX-License-Identifier: Apache-2.0
// Zipkin v2 JSON (zipkin2-api.yaml): ids in lowercase hex, times in microseconds. Written by hand
// into one string: a sampled call's spans are encoded on the tracer's thread, and a JSON tree per
// span cost several times the call itself.
#include <string_view>

#include "core/append_number.h"
#include "scales/zipkin/exporters.h"

namespace scales::zipkin {
namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t utf8Length(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return continuation(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;  // overlong
    if (c == 0xed && b(1) > 0x9f) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xf4 && b(1) > 0x8f) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

// A JSON string: quotes, backslashes and control characters escaped; bytes that are not UTF-8
// (a peer's method name, say) become U+FFFD rather than invalid JSON.
void putString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Names, tags and addresses are nearly always plain ASCII: copied whole.
  size_t plain = 0;
  while (plain < s.size() && s[plain] >= 0x20 && s[plain] < 0x7f && s[plain] != '"' &&
         s[plain] != '\\') {
    ++plain;
  }
  out.append(s.substr(0, plain));
  for (size_t i = plain; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    } else if (size_t n = utf8Length(s.substr(i)); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  out += '"';
}

// 16 lowercase hex digits, as Zipkin writes 64-bit ids.
void putId(std::string& out, uint64_t id) { detail::appendHex64(out, id); }
void putInt(std::string& out, int64_t value) { detail::appendDecimal(out, value); }

void putKey(std::string& out, std::string_view key) {
  out += '"';
  out.append(key);
  out += "\":";
}

void putEndpoint(std::string& out, const std::string& host_port) {
  out += '{';
  auto colon = host_port.rfind(':');
  std::string_view host(host_port.data(), colon == std::string::npos ? host_port.size() : colon);
  bool any = false;
  if (host.size() > 2 && host.front() == '[') {
    putKey(out, "ipv6");
    putString(out, host.substr(1, host.size() - 2));
    any = true;
  } else if (!host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos) {
    putKey(out, "ipv4");
    putString(out, host);
    any = true;
  }
  if (colon != std::string::npos) {
    std::string_view port(host_port.data() + colon + 1, host_port.size() - colon - 1);
    if (!port.empty() && port.size() <= 5 &&
        port.find_first_not_of("0123456789") == std::string_view::npos && port != "0") {
      if (any) out += ',';
      putKey(out, "port");
      out.append(port);
    }
  }
  out += '}';
}

void putSpan(std::string& out, const Span& span) {
  out += "{\"traceId\":\"";
  if (span.ids.trace_id_high) putId(out, span.ids.trace_id_high);
  putId(out, span.ids.trace_id);
  out += "\",\"id\":\"";
  putId(out, span.ids.span_id);
  out += '"';
  if (span.ids.parent_id) {
    out += ",\"parentId\":\"";
    putId(out, span.ids.parent_id);
    out += '"';
  }
  out += ",\"name\":";
  putString(out, span.name);
  out += span.kind == Span::Kind::kClient ? ",\"kind\":\"CLIENT\"" : ",\"kind\":\"SERVER\"";
  out += ",\"timestamp\":";
  putInt(out, span.start_us);
  out += ",\"duration\":";
  putInt(out, std::max<int64_t>(1, span.duration_us));  // Zipkin's minimum
  if (span.ids.debug()) out += ",\"debug\":true";
  out += ",\"localEndpoint\":{\"serviceName\":";
  putString(out, span.service);
  out += '}';
  if (!span.remote.empty()) {
    out += ",\"remoteEndpoint\":";
    putEndpoint(out, span.remote);
  }
  out += ",\"tags\":{\"scales.outcome\":";
  out += span.error.empty() ? "\"ok\"" : "\"error\"";
  if (!span.error.empty()) {
    out += ",\"error\":";  // Zipkin's convention for a failed span
    putString(out, span.error);
  }
  for (const auto& [key, value] : span.tags) {
    out += ',';
    putString(out, key);
    out += ':';
    putString(out, value);
  }
  out += '}';
  if (!span.annotations.empty()) {
    out += ",\"annotations\":[";
    for (size_t i = 0; i < span.annotations.size(); ++i) {
      if (i) out += ',';
      out += "{\"timestamp\":";
      putInt(out, span.annotations[i].timestamp_us);
      out += ",\"value\":";
      putString(out, span.annotations[i].value);
      out += '}';
    }
    out += ']';
  }
  out += '}';
}
}  // namespace

std::string toZipkinJson(const Span& span) {
  std::string out;
  out.reserve(512);
  putSpan(out, span);
  return out;
}

void appendZipkinJson(std::string& out, const Span& span) { putSpan(out, span); }

std::string toZipkinJson(const std::vector<Span>& spans) {
  std::string out;
  out.reserve(512 * spans.size() + 2);
  out += '[';
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out += ',';
    putSpan(out, spans[i]);
  }
  out += ']';
  return out;
}

}  // namespace scales::zipkin

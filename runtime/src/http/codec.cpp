// SPDX-License-Identifier: Apache-2.0
#include "scales/http/codec.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "scales/core/errors.h"

namespace scales::http {
namespace {

// Room, past the request's own bytes, for what the connection adds: Host, the trace's fields,
// the deadline and retries (about 300 bytes with both trace formats).
constexpr size_t kAddedHeadersReserve = 512;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 tokens (methods, header names).
void checkToken(std::string_view text, const char* what) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != std::string::npos;
  });
  if (!ok)
    throw UsageError(std::string("HTTP ") + what + " '" + std::string(text) + "' is invalid");
}

void checkNoControl(std::string_view text, const char* what, bool allow_space) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 ? c != '\t' || !allow_space : u == 0x7f || (c == ' ' && !allow_space)) {
      throw UsageError(std::string("HTTP ") + what + " '" + std::string(text) +
                       "' holds a character HTTP forbids there");
    }
  }
}

}  // namespace

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string encodeRequest(const Request& request) {
  checkToken(request.method, "method");
  bool slash = request.target.empty() || request.target[0] != '/';
  checkNoControl(request.target, "target", false);
  std::string wire;
  // The headers the connection adds (Host, the trace's and the deadline's) fit too, most times.
  size_t fields = 0;
  for (const auto& [name, value] : request.headers) fields += name.size() + value.size() + 4;
  wire.reserve(request.method.size() + request.target.size() + fields + request.body.size() +
               kAddedHeadersReserve);
  wire.append(request.method).append(slash ? " /" : " ").append(request.target);
  wire.append(" HTTP/1.1\r\n");
  bool has_length = false;
  for (const auto& [name, value] : request.headers) {
    checkToken(name, "header name");
    checkNoControl(value, "header value", true);
    has_length = has_length || equalsIgnoreCase(name, "content-length") ||
                 equalsIgnoreCase(name, "transfer-encoding");
    wire += name;
    wire += ": ";
    wire += value;
    wire += "\r\n";
  }
  if (!has_length && (!request.body.empty() || request.method == "POST" ||
                      request.method == "PUT" || request.method == "PATCH")) {
    wire += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  wire += "\r\n";
  wire += request.body;
  return wire;
}

void addHostIfMissing(std::string& wire, std::string_view host) {
  auto head_end = wire.find("\r\n\r\n");
  auto line_end = wire.find("\r\n");
  for (auto at = line_end; at < head_end; at = wire.find("\r\n", at + 2)) {
    if (equalsIgnoreCase(std::string_view(wire).substr(at + 2, 5), "host:")) return;
  }
  // Opened in place and filled: no line built on the side.
  static constexpr std::string_view kName = "Host: ";
  size_t at = line_end + 2;
  wire.insert(at, kName.size() + host.size() + 2, ' ');
  wire.replace(at, kName.size(), kName);
  wire.replace(at + kName.size(), host.size(), host);
  wire.replace(at + kName.size() + host.size(), 2, "\r\n");
}

namespace {
bool isToken(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    bool ok = std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                     std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}
}  // namespace

void addContextHeaders(std::string& wire, const scales::Context& context) {
  if (context.empty()) return;
  std::string headers;
  for (const auto& [name, value] : context) {
    if (!isToken(name)) throw UsageError("HTTP header name '" + name + "' is not a token");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      throw UsageError("HTTP header " + name + " has a CR, LF or NUL in its value");
    }
    headers += name + ": " + value + "\r\n";
  }
  wire.insert(wire.find("\r\n") + 2, headers);
}

std::string encodeResponse(const Response& response) {
  std::string out = std::to_string(response.status) + " " + response.reason + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

Response decodeResponse(std::string_view normalized) {
  Response response;
  auto head_end = normalized.find("\r\n\r\n");
  auto line_end = normalized.find("\r\n");
  if (head_end == std::string_view::npos || line_end < 3) {
    throw ProtocolError("HTTP response lost its head");
  }
  std::from_chars(normalized.data(), normalized.data() + 3, response.status);
  if (line_end > 4) response.reason = std::string(normalized.substr(4, line_end - 4));
  size_t fields = 0;
  for (size_t at = line_end; at < head_end; at = normalized.find("\r\n", at + 2)) ++fields;
  response.headers.reserve(fields);
  for (size_t at = line_end; at < head_end;) {
    auto next = normalized.find("\r\n", at + 2);
    auto line = normalized.substr(at + 2, next - at - 2);
    auto colon = line.find(": ");
    response.headers.emplace_back(std::string(line.substr(0, colon)),
                                  std::string(line.substr(colon + 2)));
    at = next;
  }
  response.body = std::string(normalized.substr(head_end + 4));
  return response;
}

}  // namespace scales::http

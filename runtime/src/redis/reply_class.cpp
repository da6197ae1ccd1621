// SPDX-License-Identifier: Apache-2.0
// Redis' reply classification, by the error reply's code (its first word).
#include <array>

#include "scales/redis/resp.h"

namespace scales::redis {
namespace {

struct ErrorKind {
  std::string_view code;
  bool retryable;     // the server did not run the command: another try is safe for any command
  const char* label;  // a literal: ReplyClass keeps the pointer
};

// The codes that say this server cannot serve now. Every other error (ERR, WRONGTYPE, NOSCRIPT,
// NOAUTH...) is the command's own answer: a success of the protocol.
constexpr std::array<ErrorKind, 8> kServerErrors{{
    {"LOADING", true, "redis_LOADING"},          // loading its dataset
    {"BUSY", true, "redis_BUSY"},                // a script runs past its time limit
    {"MASTERDOWN", true, "redis_MASTERDOWN"},    // a replica that lost its master
    {"TRYAGAIN", true, "redis_TRYAGAIN"},        // a cluster slot moving
    {"CLUSTERDOWN", true, "redis_CLUSTERDOWN"},  // the cluster is down
    {"READONLY", false, "redis_READONLY"},       // a write sent to a replica
    {"MISCONF", false, "redis_MISCONF"},         // cannot persist: writes refused
    {"OOM", false, "redis_OOM"},                 // over maxmemory
}};

// The error's code: its first word, from a simple error (-CODE ...) or a blob error
// (!<length>\r\nCODE ...).
std::string_view errorCode(std::string_view reply) {
  if (reply.empty()) return {};
  std::string_view text;
  if (reply[0] == '-') {
    text = reply.substr(1);
  } else if (reply[0] == '!') {
    auto line_end = reply.find("\r\n");
    if (line_end == std::string_view::npos) return {};
    text = reply.substr(line_end + 2);
  } else {
    return {};
  }
  return text.substr(0, text.find_first_of(" \r"));
}

}  // namespace

ReplyClass classifyReply(const ReplyContext&, const Response& reply) {
  auto code = errorCode(reply.payload);
  if (code.empty()) return {};
  for (const auto& kind : kServerErrors) {
    if (kind.code == code) return ReplyClass::failed(kind.label, kind.retryable);
  }
  return {};
}

}  // namespace scales::redis

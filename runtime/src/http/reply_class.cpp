// SPDX-License-Identifier: Apache-2.0
// HTTP's reply classification: a 5xx is a failure of the endpoint; a 503 or a 429 may go again
// when the request is idempotent, no sooner than its Retry-After.
#include <algorithm>
#include <charconv>
#include <ctime>

#include "scales/http/codec.h"

namespace scales::http {
namespace {

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The Retry-After header's value in a normalized head, or empty.
std::string_view retryAfterHeader(std::string_view normalized) {
  auto head_end = normalized.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return {};
  for (size_t at = normalized.find("\r\n"); at < head_end;) {
    size_t next = normalized.find("\r\n", at + 2);
    auto line = normalized.substr(at + 2, next - at - 2);
    auto colon = line.find(": ");
    if (colon != std::string_view::npos &&
        equalsIgnoringCase(line.substr(0, colon), "retry-after")) {
      return line.substr(colon + 2);
    }
    at = next;
  }
  return {};
}

}  // namespace

Duration parseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now) {
  constexpr int64_t kMaxSeconds = 24 * 3600;  // a day: anything longer is no retry anyway
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return seconds <= 0 ? Duration::zero() : std::chrono::seconds(std::min(seconds, kMaxSeconds));
  }
  // An HTTP-date (IMF-fixdate only: RFC 9110 makes the obsolete forms optional to accept).
  std::tm when{};
  std::string text(value.substr(0, 64));
  const char* parsed = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when);
  if (parsed == nullptr || *parsed != '\0') return Duration::zero();
  auto at = std::chrono::system_clock::from_time_t(::timegm(&when));
  if (at <= now) return Duration::zero();
  return std::min<Duration>(std::chrono::duration_cast<Duration>(at - now),
                            std::chrono::seconds(kMaxSeconds));
}

ReplyClass classifyReply(const ReplyContext& call, const scales::Response& reply) {
  std::string_view normalized = reply.payload;
  int status = 0;
  if (normalized.size() < 3) return {};
  std::from_chars(normalized.data(), normalized.data() + 3, status);
  bool throttled = status == 429 || status == 503;
  if (status < 500 && !throttled) return {};
  ReplyClass result;
  // A 429 says the client asked too much, not that the server is broken.
  result.failure = status >= 500;
  result.retryable = throttled && call.idempotent();
  result.kind = "http";
  result.code = status;
  if (result.retryable) {
    result.retry_after =
        parseRetryAfter(retryAfterHeader(normalized), std::chrono::system_clock::now());
  }
  return result;
}

}  // namespace scales::http

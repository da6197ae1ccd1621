// SPDX-License-Identifier: Apache-2.0
// HTTP's reply classification: which statuses are failures of the server, which may go again, and
// the Retry-After that bounds the wait before that retry.
#include <gtest/gtest.h>

#include "scales/http/codec.h"

namespace scales::http {
namespace {
using namespace std::chrono_literals;

const MethodPolicy kIdempotent{true, std::nullopt, {}, {}};

scales::Response replyOf(int status, Headers headers = {}) {
  return scales::Response{encodeResponse(Response{status, "Reason", std::move(headers), "body"})};
}

TEST(HttpReplyClass, FiveHundredsAreFailuresAndOnly503And429MayGoAgainWhenIdempotent) {
  ReplyContext get{"GET", &kIdempotent};
  ReplyContext post{"POST", nullptr};
  for (int ok : {200, 204, 301, 400, 404, 499}) {
    auto verdict = classifyReply(get, replyOf(ok));
    EXPECT_FALSE(verdict.failure) << ok;
    EXPECT_FALSE(verdict.retryable) << ok;
  }
  auto broken = classifyReply(get, replyOf(500));
  EXPECT_TRUE(broken.failure);
  EXPECT_FALSE(broken.retryable) << "a 500 may have done the work";
  EXPECT_EQ(broken.label(), "http_500");
  auto unavailable = classifyReply(get, replyOf(503));
  EXPECT_TRUE(unavailable.failure);
  EXPECT_TRUE(unavailable.retryable);
  EXPECT_FALSE(classifyReply(post, replyOf(503)).retryable) << "POST is not idempotent";
  EXPECT_TRUE(classifyReply(post, replyOf(503)).failure);
  auto throttled = classifyReply(get, replyOf(429));
  EXPECT_FALSE(throttled.failure) << "the client asked too much; the server is fine";
  EXPECT_TRUE(throttled.retryable);
  EXPECT_TRUE(classifyReply(get, scales::Response{"5"}).label().empty()) << "too short to judge";
}

TEST(HttpReplyClass, RetryAfterInSecondsOrAsADateBoundsTheBackoff) {
  ReplyContext get{"GET", &kIdempotent};
  EXPECT_EQ(classifyReply(get, replyOf(503, {{"retry-after", "3"}})).retry_after, 3s);
  EXPECT_EQ(classifyReply(get, replyOf(429, {{"Retry-After", "120"}})).retry_after, 120s);
  EXPECT_EQ(classifyReply(get, replyOf(503)).retry_after, Duration::zero());

  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), 10s);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:27 GMT", now), Duration::zero()) << "past";
  EXPECT_EQ(parseRetryAfter("99999999999", now), 24h) << "capped at a day";
  for (auto bad : {"", "-5", "soon", "3 s", "Sunday, 06-Nov-94 08:49:37 GMT"}) {
    EXPECT_EQ(parseRetryAfter(bad, now), Duration::zero()) << bad;
  }
}

}  // namespace
}  // namespace scales::http

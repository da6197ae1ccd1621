// SPDX-License-Identifier: Apache-2.0
// The HTTP client's encoding: request bytes, Host for the chosen endpoint, refusal of requests
// that would break HTTP's framing, and the response's trip through the stack.
#include "scales/http/codec.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::http {
namespace {

TEST(HttpCodec, EncodesRequestsAndAddsHostForTheEndpoint) {
  auto wire = encodeRequest(Request{"POST", "submit?x=1", {{"Content-Type", "text/plain"}}, "hi"});
  EXPECT_EQ(wire,
            "POST /submit?x=1 HTTP/1.1\r\nContent-Type: text/plain\r\n"
            "Content-Length: 2\r\n\r\nhi");
  addHostIfMissing(wire, "10.0.0.1:80");
  EXPECT_EQ(wire.substr(0, wire.find("Content-Type")),
            "POST /submit?x=1 HTTP/1.1\r\nHost: 10.0.0.1:80\r\n");
  auto own_host = encodeRequest(Request{"GET", "/", {{"host", "example.test"}}, ""});
  auto before = own_host;
  addHostIfMissing(own_host, "10.0.0.1:80");
  EXPECT_EQ(own_host, before);
  EXPECT_EQ(encodeRequest(Request{"GET", "/", {}, ""}), "GET / HTTP/1.1\r\n\r\n");
}

TEST(HttpCodec, RefusesWhatWouldBreakTheFraming) {
  EXPECT_THROW(encodeRequest(Request{"GET", "/a b", {}, ""}), UsageError);
  EXPECT_THROW(encodeRequest(Request{"GET", "/a\r\nX: y", {}, ""}), UsageError);
  EXPECT_THROW(encodeRequest(Request{"GET", "/", {{"X", "a\nb"}}, ""}), UsageError);
  EXPECT_THROW(encodeRequest(Request{"GET", "/", {{"", "v"}}, ""}), UsageError);
  EXPECT_THROW(encodeRequest(Request{"", "/", {}, ""}), UsageError);
  EXPECT_NO_THROW(encodeRequest(Request{"GET", "/", {{"X", "tab\tok"}}, ""}));
}

TEST(HttpCodec, ResponsesSurviveTheTripThroughTheStack) {
  Response response{503,
                    "Service Unavailable",
                    {{"Retry-After", "3"}, {"X-Empty", ""}},
                    std::string("body\r\n\r\nwith blank lines\0", 23)};
  auto back = decodeResponse(encodeResponse(response));
  EXPECT_EQ(back.status, 503);
  EXPECT_EQ(back.reason, "Service Unavailable");
  EXPECT_EQ(back.headers, response.headers);
  EXPECT_EQ(back.body, response.body);
  EXPECT_EQ(back.header("retry-after"), "3");
  EXPECT_EQ(back.header("x-empty"), "");
  EXPECT_EQ(back.header("missing"), std::nullopt);
}

}  // namespace
}  // namespace scales::http

// SPDX-License-Identifier: Apache-2.0
// Zipkin v2 JSON of a span, and the exporters' checks of what they are given.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scales/core/errors.h"
#include "scales/zipkin/exporters.h"

namespace scales::zipkin {
namespace {

TEST(ZipkinJson, ASpanReadsAsZipkinV2) {
  Span span;
  span.ids = TraceContext{.trace_id_high = 1, .trace_id = 2, .span_id = 3, .parent_id = 4};
  span.ids.flags = TraceContext::kDebug;
  span.kind = Span::Kind::kServer;
  span.name = "get";
  span.service = "svc";
  span.remote = "127.0.0.1:9090";
  span.start_us = 1700000000000000;
  span.duration_us = 0;
  span.error = "TimeoutError";
  span.tags = {{"scales.attempt", "retry"}};
  span.annotations = {{1700000000000005, "scales.retry"}};
  auto json = nlohmann::json::parse(toZipkinJson(span));
  EXPECT_EQ(json["traceId"], "00000000000000010000000000000002");
  EXPECT_EQ(json["id"], "0000000000000003");
  EXPECT_EQ(json["parentId"], "0000000000000004");
  EXPECT_EQ(json["kind"], "SERVER");
  EXPECT_EQ(json["timestamp"], 1700000000000000);
  EXPECT_EQ(json["duration"], 1);  // Zipkin's minimum
  EXPECT_EQ(json["debug"], true);
  EXPECT_EQ(json["localEndpoint"]["serviceName"], "svc");
  EXPECT_EQ(json["remoteEndpoint"]["ipv4"], "127.0.0.1");
  EXPECT_EQ(json["remoteEndpoint"]["port"], 9090);
  EXPECT_EQ(json["tags"]["error"], "TimeoutError");
  EXPECT_EQ(json["tags"]["scales.outcome"], "error");
  EXPECT_EQ(json["tags"]["scales.attempt"], "retry");
  EXPECT_EQ(json["annotations"][0]["value"], "scales.retry");
  Span root;
  root.ids = TraceContext::root();
  root.name = "\xff not utf-8";  // a peer's bytes: replaced, not thrown on
  auto list = nlohmann::json::parse(toZipkinJson(std::vector<Span>{root}));
  EXPECT_FALSE(list[0].contains("parentId"));
  EXPECT_EQ(list[0]["tags"]["scales.outcome"], "ok");
  EXPECT_EQ(list[0]["name"], "\xef\xbf\xbd not utf-8");  // U+FFFD for the foreign byte
}

TEST(ZipkinJson, StringsAreEscapedAndStayValidJson) {
  Span span;
  span.ids = TraceContext::root();
  span.name = std::string("q\"b\\n\nt\x01 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  span.error = "\xc0\xaf overlong, \xed\xa0\x80 surrogate, \xf4\x90\x80\x80 too high";
  span.tags = {{"k\"", "v\x7f"}};
  span.remote = "[::1]:8080";
  auto json = nlohmann::json::parse(toZipkinJson(span));
  EXPECT_EQ(json["name"], span.name);  // everything in it was valid UTF-8
  EXPECT_EQ(json["tags"]["k\""], "v\x7f");
  EXPECT_EQ(json["remoteEndpoint"]["ipv6"], "::1");
  EXPECT_EQ(json["remoteEndpoint"]["port"], 8080);
  std::string error = json["tags"]["error"];
  EXPECT_EQ(error.find("\xc0"), std::string::npos);
  EXPECT_NE(error.find("\xef\xbf\xbd overlong"), std::string::npos);
}

TEST(ZipkinExporter, OnlyPlainHttpWithAPortIsTaken) {
  EXPECT_THROW(ZipkinExporter("https://collector:9411"), ConfigError);
  EXPECT_THROW(ZipkinExporter("http://no-port/api/v2/spans"), ConfigError);
  EXPECT_THROW(JsonLinesExporter("/nonexistent-dir/spans.jsonl"), ConfigError);
}

}  // namespace
}  // namespace scales::zipkin

// SPDX-License-Identifier: Apache-2.0
// The HTTP propagation headers: what a client writes, and what a server reads (B3 single and
// multi, W3C traceparent/tracestate, Finagle-Ctx- deadline, retries and contexts), malformed
// values included.
#include "scales/http/propagation.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::http {
namespace {
using namespace std::chrono_literals;

std::string headersFor(const scales::Request& call, TraceHeaders which) {
  std::string wire = "GET / HTTP/1.1\r\n\r\n";
  addPropagationHeaders(wire, call, which);
  return wire;
}

scales::Request tracedCall() {
  scales::Request call;
  call.span = TraceContext{.trace_id = 0xa1, .span_id = 0xb2, .parent_id = 0xc3};
  call.span.setSampled(true);
  return call;
}

Inherited read(const HeaderViews& headers) { return inboundFromHeaders(headers); }

TEST(HttpPropagation, B3HeadersCarryIdsAndTheDecision) {
  std::string wire = headersFor(tracedCall(), TraceHeaders::kB3);
  EXPECT_NE(wire.find("X-B3-TraceId: 00000000000000a1\r\n"), std::string::npos);
  EXPECT_NE(wire.find("X-B3-SpanId: 00000000000000b2\r\n"), std::string::npos);
  EXPECT_NE(wire.find("X-B3-ParentSpanId: 00000000000000c3\r\n"), std::string::npos);
  EXPECT_NE(wire.find("X-B3-Sampled: 1\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("traceparent"), std::string::npos);
  EXPECT_EQ(wire.rfind("GET / HTTP/1.1\r\n", 0), 0u);  // after the request line
}

TEST(HttpPropagation, W3cTraceparentPadsA64BitTraceId) {
  std::string wire = headersFor(tracedCall(), TraceHeaders::kW3c);
  EXPECT_NE(wire.find("traceparent: 00-000000000000000000000000000000a1-00000000000000b2-01\r\n"),
            std::string::npos);
  EXPECT_EQ(wire.find("X-B3"), std::string::npos);
  EXPECT_EQ(headersFor(tracedCall(), TraceHeaders::kNone), "GET / HTTP/1.1\r\n\r\n");
}

TEST(HttpPropagation, A128BitTraceIdIsWrittenWholeInBothFormats) {
  scales::Request call = tracedCall();
  call.span.trace_id_high = 0xfedcba9876543210;
  std::string wire = headersFor(call, TraceHeaders::kBoth);
  EXPECT_NE(wire.find("X-B3-TraceId: fedcba987654321000000000000000a1\r\n"), std::string::npos);
  EXPECT_NE(wire.find("traceparent: 00-fedcba987654321000000000000000a1-00000000000000b2-01\r\n"),
            std::string::npos);
}

TEST(HttpPropagation, WhatAClientWritesAServerReadsBack) {
  for (auto which : {TraceHeaders::kB3, TraceHeaders::kW3c, TraceHeaders::kBoth}) {
    scales::Request call = tracedCall();
    call.deadline = Deadline::after(1500ms);
    call.retries = 2;
    call.broadcast = {{"tenant", "acme"}, {"blob", std::string("\0\xff\n", 3)}};
    std::string wire = headersFor(call, which);
    // Parse the header lines back.
    HeaderViews headers;
    std::string_view rest(wire);
    rest.remove_prefix(rest.find("\r\n") + 2);
    while (rest.find("\r\n") > 0) {
      auto line = rest.substr(0, rest.find("\r\n"));
      auto colon = line.find(": ");
      headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
      rest.remove_prefix(line.size() + 2);
    }
    Inherited in = read(headers);
    EXPECT_EQ(in.trace.trace_id, 0xa1u);
    EXPECT_EQ(in.trace.span_id, 0xb2u);
    EXPECT_TRUE(in.trace.sampled());
    EXPECT_GT(in.deadline.remaining(), 1000ms);
    EXPECT_LE(in.deadline.remaining(), 1500ms);
    EXPECT_EQ(in.retries, 2u);
    EXPECT_EQ(in.broadcast, call.broadcast);
  }
}

TEST(HttpPropagation, FinagleContextHeadersAreReadAsFinagleWritesThem) {
  Inherited in = read({{"finagle-ctx-com.twitter.finagle.deadline", "1 9223372036854775807"},
                       {"Finagle-Ctx-com.twitter.finagle.Retries", "3"},
                       {"Finagle-Ctx-user.key", "aGVsbG8="}});
  EXPECT_TRUE(in.deadline.isInfinite());  // Finagle's Top: no deadline
  EXPECT_EQ(in.retries, 3u);
  EXPECT_EQ(in.broadcast, (Context{{"user.key", "hello"}}));
}

TEST(HttpPropagation, BroadcastKeysThatAreNotTokensAreLeftOut) {
  scales::Request call;
  call.broadcast = {{"bad key", "v"}, {"good", "v"}};
  std::string wire = headersFor(call, TraceHeaders::kNone);
  EXPECT_EQ(wire.find("bad key"), std::string::npos);
  EXPECT_NE(wire.find("Finagle-Ctx-good: dg==\r\n"), std::string::npos);
}

TEST(HttpPropagation, B3SingleHeaderWinsAndCarriesParentAndDebug) {
  Inherited in =
      read({{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d-05e3ac9a4f6e3b90"},
            {"X-B3-TraceId", "0000000000000001"},
            {"X-B3-SpanId", "0000000000000002"}});
  EXPECT_EQ(in.trace.traceIdHex(), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_EQ(in.trace.span_id, 0xe457b5a2e4d86bd1u);
  EXPECT_EQ(in.trace.parent_id, 0x05e3ac9a4f6e3b90u);
  EXPECT_TRUE(in.trace.debug());
  Inherited deny = read({{"b3", "0"}});
  EXPECT_FALSE(deny.trace.valid());
  EXPECT_TRUE(deny.trace.samplingKnown());
  EXPECT_FALSE(deny.trace.sampled());
}

TEST(HttpPropagation, FinaglesTrueFalseAndFlagWordAreUnderstood) {
  Inherited in = read({{"X-B3-TraceId", "00000000000000a1"},
                       {"X-B3-SpanId", "00000000000000b2"},
                       {"X-B3-Sampled", "false"}});
  EXPECT_TRUE(in.trace.samplingKnown());
  EXPECT_FALSE(in.trace.sampled());
  Inherited debug = read({{"X-B3-TraceId", "00000000000000a1"},
                          {"X-B3-SpanId", "00000000000000b2"},
                          {"X-B3-Flags", "7"}});
  EXPECT_TRUE(debug.trace.debug());
}

TEST(HttpPropagation, MalformedTraceHeadersAreIgnored) {
  const std::vector<std::string> bad_traceparents = {
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",   // version ff
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",   // zero trace id
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",   // zero parent
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",   // uppercase
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",  // 00 has nothing after
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",      // short
      "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",   // delimiter
  };
  for (const auto& value : bad_traceparents) {
    Inherited in = read({{"traceparent", value}, {"tracestate", "k=v"}});
    EXPECT_FALSE(in.trace.valid()) << value;
    EXPECT_TRUE(in.broadcast.empty()) << "tracestate without a valid traceparent: " << value;
  }
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"X-B3-TraceId", "xyz"},
           {"X-B3-TraceId", "123"},
           {"b3", "a-b"},
           {"b3", "-"},
           {"b3", "00000000000000a1-0000000000000000"}}) {
    Inherited in = read({{name, value}, {"X-B3-SpanId", "00000000000000b2"}});
    EXPECT_FALSE(in.trace.valid()) << name << ": " << value;
  }
  Inherited garbage = read({{"Finagle-Ctx-com.twitter.finagle.Deadline", "soon"},
                            {"Finagle-Ctx-com.twitter.finagle.Retries", "-1"},
                            {"Finagle-Ctx-k", "not base64!"}});
  EXPECT_TRUE(garbage.empty());
}

TEST(HttpPropagation, AFutureTraceparentVersionIsReadAndTracestateKept) {
  Inherited in =
      read({{"traceparent", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future"},
            {"tracestate", "vendor=opaque"}});
  EXPECT_EQ(in.trace.traceIdHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_TRUE(in.trace.sampled());
  EXPECT_EQ(in.broadcast, (Context{{std::string(kTraceStateKey), "vendor=opaque"}}));
  // And it goes on as tracestate, not as a Finagle context.
  scales::Request call = tracedCall();
  call.broadcast = in.broadcast;
  std::string wire = headersFor(call, TraceHeaders::kW3c);
  EXPECT_NE(wire.find("tracestate: vendor=opaque\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("Finagle-Ctx-w3c"), std::string::npos);
}

TEST(HttpPropagation, AHostileCallersContextsAreBounded) {
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("Finagle-Ctx-k" + std::to_string(i));
  HeaderViews headers;
  for (const auto& name : names) headers.emplace_back(name, "dmFsdWU=");
  EXPECT_EQ(read(headers).broadcast.size(), kMaxInboundBroadcast);
  std::string big(8000, 'A');  // 6000 bytes decoded: over the 4 KiB budget
  EXPECT_TRUE(read({{"Finagle-Ctx-big", big}}).broadcast.empty());
}

TEST(HttpPropagation, TraceHeaderChoicesAreNamed) {
  EXPECT_EQ(parseTraceHeaders("w3c"), TraceHeaders::kW3c);
  EXPECT_THROW(parseTraceHeaders("zipkin"), ConfigError);
}

}  // namespace
}  // namespace scales::http

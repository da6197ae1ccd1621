// SPDX-License-Identifier: Apache-2.0
// Every Mux message type against bytes computed by hand from docs/architecture.md's Mux wire notes,
// and the decoder's handling of fragments, aliases and malformed input.
#include "scales/mux/frame.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::mux {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string encoded(const Message& m) {
  std::string out;
  encode(m, out);
  return out;
}

// Decodes a whole encoded frame back into a message.
Message roundTrip(const std::string& wire) {
  Frame frame;
  size_t consumed = 0;
  EXPECT_EQ(readFrame(wire, 1 << 20, frame, consumed), FrameStatus::kComplete);
  EXPECT_EQ(consumed, wire.size());
  return decode(frame.type, frame.tag, frame.body);
}

TEST(MuxFrame, TinitCheckMarkerIsFinaglesBytes) {
  auto expected = bytes({0, 0, 0, 0x0f, 0x7f, 0, 0, 1}) + "tinit check";
  EXPECT_EQ(encoded(Rerr{kControlTag, std::string(kTinitCheck)}), expected);
  auto back = std::get<Rerr>(roundTrip(expected));
  EXPECT_EQ(back.tag, kControlTag);
  EXPECT_EQ(back.why, kTinitCheck);
}

TEST(MuxFrame, TinitWithDefaultHeadersMatchesTheSpecExample) {
  Tinit init{kControlTag, 1, {{"mux-framer", bytes({0x7f, 0xff, 0xff, 0xff})}, {"tls", "off"}}};
  auto expected = bytes({0, 0, 0, 0x2a, 0x44, 0, 0, 1, 0, 1}) + bytes({0, 0, 0, 10}) +
                  "mux-framer" + bytes({0, 0, 0, 4, 0x7f, 0xff, 0xff, 0xff}) + bytes({0, 0, 0, 3}) +
                  "tls" + bytes({0, 0, 0, 3}) + "off";
  EXPECT_EQ(encoded(init), expected);
  auto back = std::get<Tinit>(roundTrip(expected));
  EXPECT_EQ(back.version, 1);
  EXPECT_EQ(back.headers, init.headers);
}

TEST(MuxFrame, RinitRoundTrips) {
  Rinit init{kControlTag, 1, {{"tls", "off"}}};
  auto wire = encoded(init);
  EXPECT_EQ(static_cast<uint8_t>(wire[4]), 0xbc);
  EXPECT_EQ(std::get<Rinit>(roundTrip(wire)).headers, init.headers);
}

TEST(MuxFrame, TdispatchLayout) {
  Tdispatch d;
  d.tag = 2;
  d.contexts = {{"k", "vv"}};
  d.body = "BODY";
  // size | 02 | tag 000002 | nctx 0001 | 0001 'k' | 0002 'vv' | dst 0000 | nd 0000 | body
  auto expected = bytes({0, 0, 0, 21, 0x02, 0, 0, 2, 0, 1, 0, 1}) + "k" + bytes({0, 2}) + "vv" +
                  bytes({0, 0, 0, 0}) + "BODY";
  EXPECT_EQ(encoded(d), expected);
  auto back = std::get<Tdispatch>(roundTrip(expected));
  EXPECT_EQ(back.tag, 2u);
  EXPECT_EQ(back.contexts, d.contexts);
  EXPECT_TRUE(back.destination.empty());
  EXPECT_TRUE(back.dtab.empty());
  EXPECT_EQ(back.body, "BODY");
}

TEST(MuxFrame, TdispatchWithDestinationAndDtab) {
  Tdispatch d{7, {}, "/s/foo", {{"/s", "/t"}}, "x"};
  auto back = std::get<Tdispatch>(roundTrip(encoded(d)));
  EXPECT_EQ(back.destination, "/s/foo");
  EXPECT_EQ(back.dtab, d.dtab);
}

TEST(MuxFrame, FastPathsMatchTheGenericCodec) {
  Tdispatch d{9, {{"k1", "v1"}, {"key2", "value2"}}, "/dst", {{"/a", "/b"}}, "the body"};
  auto wire = encoded(d);
  auto view = viewTdispatch(std::string_view(wire).substr(kHeaderSize));
  EXPECT_EQ(view.body, "the body");
  EXPECT_EQ(view.destination, "/dst");
  EXPECT_EQ(view.contexts, bytes({0, 2, 0, 2}) + "k1" + bytes({0, 2}) + "v1" + bytes({0, 4}) +
                               "key2" + bytes({0, 6}) + "value2");
  EXPECT_THROW(viewTdispatch(bytes({0, 1, 0, 9})), ProtocolError);
}

TEST(MuxFrame, FindContextReadsOneKeyInPlace) {
  auto wire = encoded(
      Tdispatch{7, {{"a", "1"}, {std::string(kDeadlineKey), "0123456789abcdef"}}, "", {}, "x"});
  auto view = viewTdispatch(std::string_view(wire).substr(kHeaderSize));
  EXPECT_EQ(findContext(view.contexts, kDeadlineKey), "0123456789abcdef");
  EXPECT_EQ(findContext(view.contexts, "a"), "1");
  EXPECT_EQ(findContext(view.contexts, "missing"), std::nullopt);
  std::string fast;
  encodeRdispatch(9, ReplyStatus::kOk, "reply", fast);
  EXPECT_EQ(fast, encoded(Rdispatch{9, ReplyStatus::kOk, {}, "reply"}));
  ContextView contexts[] = {{"k1", "v1"}, {"key2", "value2"}};
  std::string tdispatch;
  encodeTdispatch(9, contexts, 2, "the body", tdispatch);
  EXPECT_EQ(tdispatch,
            encoded(Tdispatch{9, {{"k1", "v1"}, {"key2", "value2"}}, "", {}, "the body"}));
}

TEST(MuxFrame, RdispatchStatusesAndContexts) {
  Rdispatch r{0x123456, ReplyStatus::kNack, {{"MuxFailure", bytes({0, 0, 0, 0, 0, 0, 0, 2})}}, ""};
  auto wire = encoded(r);
  EXPECT_EQ(wire.substr(4, 5), bytes({0xfe, 0x12, 0x34, 0x56, 2}));
  auto back = std::get<Rdispatch>(roundTrip(wire));
  EXPECT_EQ(back.tag, 0x123456u);
  EXPECT_EQ(back.status, ReplyStatus::kNack);
  EXPECT_EQ(back.contexts, r.contexts);
  // Status 3 does not exist.
  EXPECT_THROW(decode(type::kRdispatch, 2, bytes({3, 0, 0})), ProtocolError);
}

TEST(MuxFrame, RdispatchViewReadsWhatDecodeReads) {
  for (auto status : {ReplyStatus::kOk, ReplyStatus::kError, ReplyStatus::kNack}) {
    Rdispatch r{5, status, {{"k", "v"}, {"key2", "value2"}}, "the reply"};
    auto body = encoded(r).substr(kHeaderSize);
    auto view = viewRdispatch(body);
    EXPECT_EQ(view.status, status);
    EXPECT_EQ(view.body, "the reply");
  }
  // Truncated contexts, a lying context length, a bad status: all ProtocolError, as in decode().
  EXPECT_THROW(viewRdispatch(bytes({0})), ProtocolError);
  EXPECT_THROW(viewRdispatch(bytes({0, 0, 1, 0, 9, 'k'})), ProtocolError);
  EXPECT_THROW(viewRdispatch(bytes({3, 0, 0})), ProtocolError);
  EXPECT_EQ(viewRdispatch(bytes({0, 0, 0})).body, "");
}

TEST(MuxFrame, ControlMessagesAreHeaderOnly) {
  EXPECT_EQ(encoded(Tping{}), bytes({0, 0, 0, 4, 0x41, 0, 0, 1}));
  EXPECT_EQ(encoded(Rping{}), bytes({0, 0, 0, 4, 0xbf, 0, 0, 1}));
  EXPECT_EQ(encoded(Tdrain{}), bytes({0, 0, 0, 4, 0x40, 0, 0, 1}));
  EXPECT_EQ(encoded(Rdrain{}), bytes({0, 0, 0, 4, 0xc0, 0, 0, 1}));
  EXPECT_EQ(encoded(Rdiscarded{9}), bytes({0, 0, 0, 4, 0xbe, 0, 0, 9}));
  EXPECT_TRUE(std::holds_alternative<Tping>(roundTrip(encoded(Tping{}))));
  EXPECT_THROW(decode(type::kTping, 1, "x"), ProtocolError);
}

TEST(MuxFrame, TdiscardedUsesFinaglesNumberAndTheMarkerTag) {
  auto wire = encoded(Tdiscarded{0x010203, "timeout"});
  EXPECT_EQ(wire, bytes({0, 0, 0, 14, 0xc2, 0, 0, 0, 1, 2, 3}) + "timeout");
  auto back = std::get<Tdiscarded>(roundTrip(wire));
  EXPECT_EQ(back.discard_tag, 0x010203u);
  EXPECT_EQ(back.why, "timeout");
  // The spec's own number decodes the same way.
  auto spec = std::get<Tdiscarded>(decode(type::kTdiscarded, 0, bytes({0, 0, 5}) + "why"));
  EXPECT_EQ(spec.discard_tag, 5u);
}

TEST(MuxFrame, TleaseLayout) {
  auto wire = encoded(Tlease{0, 1500});
  EXPECT_EQ(wire, bytes({0, 0, 0, 13, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0xdc}));
  auto back = std::get<Tlease>(roundTrip(wire));
  EXPECT_EQ(back.unit, 0);
  EXPECT_EQ(back.amount, 1500u);
  EXPECT_THROW(decode(type::kTlease, 0, bytes({0, 1})), ProtocolError);
}

TEST(MuxFrame, RerrAcceptsBothNumbers) {
  auto legacy = std::get<Rerr>(decode(type::kRerrLegacy, 3, "why"));
  auto spec = std::get<Rerr>(decode(type::kRerr, 3, "why"));
  EXPECT_EQ(legacy.why, "why");
  EXPECT_EQ(spec.why, "why");
}

TEST(MuxFrame, TreqAndRreq) {
  Treq t{4, {{1, std::string(24, 'x')}, {2, "\x01"}}, "b"};
  auto back = std::get<Treq>(roundTrip(encoded(t)));
  EXPECT_EQ(back.keys, t.keys);
  EXPECT_EQ(back.body, "b");
  auto r = std::get<Rreq>(roundTrip(encoded(Rreq{4, ReplyStatus::kError, "oops"})));
  EXPECT_EQ(r.status, ReplyStatus::kError);
  EXPECT_EQ(r.body, "oops");
}

TEST(MuxFrame, UnknownTypesDecodeAsUnknown) {
  auto u = std::get<Unknown>(decode(99, 5, "whatever"));
  EXPECT_EQ(u.type, 99);
  EXPECT_EQ(u.tag, 5u);
}

TEST(MuxFrame, FragmentBitIsSplitFromTheTag) {
  auto wire = bytes({0, 0, 0, 5, 0x02, 0x80, 0, 2, 'x'});
  Frame frame;
  size_t consumed = 0;
  ASSERT_EQ(readFrame(wire, 100, frame, consumed), FrameStatus::kComplete);
  EXPECT_TRUE(frame.more_fragments);
  EXPECT_EQ(frame.tag, 2u);
  EXPECT_EQ(frame.body, "x");
}

TEST(MuxReassembler, JoinsInterleavedFragmentsPerTag) {
  std::string a, b;
  appendFragmented(encoded(Rdispatch{2, ReplyStatus::kOk, {}, std::string(50, 'a')}), 16, a);
  appendFragmented(encoded(Rdispatch{3, ReplyStatus::kOk, {}, std::string(40, 'b')}), 16, b);
  // Split both into frames and interleave them: a0 b0 a1 b1 ...
  auto frames = [](const std::string& wire) {
    std::vector<std::string> out;
    std::string_view rest = wire;
    Frame f;
    size_t used = 0;
    while (readFrame(rest, 1 << 20, f, used) == FrameStatus::kComplete) {
      out.emplace_back(rest.substr(4, used - 4));
      rest.remove_prefix(used);
    }
    return out;
  };
  auto fa = frames(a), fb = frames(b);
  ASSERT_GT(fa.size(), 2u);
  std::vector<std::string> order;
  for (size_t i = 0; i < std::max(fa.size(), fb.size()); ++i) {
    if (i < fa.size()) order.push_back(fa[i]);
    if (i < fb.size()) order.push_back(fb[i]);
  }
  Reassembler joiner(1 << 20);
  std::vector<Rdispatch> whole;
  for (const auto& payload : order) {
    joiner.feed(payload, [&](int8_t t, uint32_t tag, std::string_view body) {
      whole.push_back(std::get<Rdispatch>(decode(t, tag, body)));
    });
  }
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[0].tag + whole[1].tag, 5u);
  for (const auto& r : whole)
    EXPECT_EQ(r.body, std::string(r.tag == 2 ? 50 : 40, r.tag == 2 ? 'a' : 'b'));
}

TEST(MuxReassembler, RefusesMessagesOverTheLimit) {
  std::string wire;
  appendFragmented(encoded(Rdispatch{2, ReplyStatus::kOk, {}, std::string(100, 'x')}), 10, wire);
  Reassembler joiner(64);
  std::string_view rest = wire;
  Frame f;
  size_t used = 0;
  bool threw = false;
  while (!threw && readFrame(rest, 1 << 20, f, used) == FrameStatus::kComplete) {
    try {
      joiner.feed(rest.substr(4, used - 4), [](int8_t, uint32_t, std::string_view) {});
    } catch (const ProtocolError&) {
      threw = true;
    }
    rest.remove_prefix(used);
  }
  EXPECT_TRUE(threw);
  EXPECT_THROW(joiner.feed("ab", [](int8_t, uint32_t, std::string_view) {}), ProtocolError);
}

// A fragment payload (type, tag with the fragment bit, body) without its length prefix.
std::string fragment(int8_t type, uint32_t tag, bool more, std::string_view body) {
  uint32_t raw = tag | (more ? kFragmentBit : 0);
  std::string out = {static_cast<char>(type), static_cast<char>(raw >> 16),
                     static_cast<char>(raw >> 8), static_cast<char>(raw)};
  out.append(body);
  return out;
}

TEST(MuxReassembler, RefusesFragmentsOnTagsThePeerMayNotUse) {
  Reassembler joiner(1 << 20);
  auto only_tag_2 = [](int8_t, uint32_t tag) { return tag == 2; };
  auto ignore = [](int8_t, uint32_t, std::string_view) {};
  joiner.feed(fragment(type::kRdispatch, 2, true, "ab"), ignore, only_tag_2);
  EXPECT_THROW(joiner.feed(fragment(type::kRdispatch, 7, true, "ab"), ignore, only_tag_2),
               ProtocolError);
  // A message already started goes on whatever the predicate says now, but not as another type.
  EXPECT_THROW(joiner.feed(fragment(type::kRerr, 2, true, "cd"), ignore, only_tag_2),
               ProtocolError);
  EXPECT_EQ(joiner.bufferedBytes(), 2u);
}

TEST(MuxReassembler, BoundsMessagesAndBytesAcrossTags) {
  auto any = [](int8_t, uint32_t) { return true; };
  std::vector<std::string> whole;
  auto keep = [&](int8_t, uint32_t, std::string_view body) { whole.emplace_back(body); };
  Reassembler few(1 << 20, 2);
  few.feed(fragment(type::kTdispatch, 2, true, "a"), keep, any);
  few.feed(fragment(type::kTdispatch, 3, true, "b"), keep, any);
  EXPECT_THROW(few.feed(fragment(type::kTdispatch, 4, true, "c"), keep, any), ProtocolError);
  few.feed(fragment(type::kTdispatch, 2, false, "A"), keep, any);  // completes: room again
  few.feed(fragment(type::kTdispatch, 4, true, "c"), keep, any);
  EXPECT_EQ(whole, std::vector<std::string>{"aA"});

  // 10 bytes in all: two tags of 6 bytes each do not fit, though each alone would.
  Reassembler small(10);
  small.feed(fragment(type::kTdispatch, 2, true, "123456"), keep, any);
  EXPECT_THROW(small.feed(fragment(type::kTdispatch, 3, true, "123456"), keep, any), ProtocolError);
  EXPECT_EQ(small.bufferedBytes(), 6u);
}

TEST(MuxFrame, FramerHeaderRoundTrips) {
  EXPECT_EQ(framerHeader(0x10000), bytes({0, 1, 0, 0}));
  EXPECT_EQ(parseFramerHeader(framerHeader(4096)), 4096u);
  // A fragment limit of a few bytes would multiply every reply's size: it is raised.
  EXPECT_EQ(parseFramerHeader(framerHeader(1)), kMinFragmentBytes);
  EXPECT_EQ(parseFramerHeader(bytes({0x7f, 0xff, 0xff, 0xff})), std::nullopt);  // no limit
  EXPECT_EQ(parseFramerHeader("ab"), std::nullopt);
}

TEST(MuxFrame, ReadFrameStatuses) {
  Frame frame;
  size_t consumed = 0;
  auto ping = encoded(Tping{});
  EXPECT_EQ(readFrame(ping.substr(0, 3), 100, frame, consumed), FrameStatus::kNeedMore);
  EXPECT_EQ(readFrame(ping.substr(0, 7), 100, frame, consumed), FrameStatus::kNeedMore);
  EXPECT_EQ(readFrame(bytes({0, 0, 0, 3, 1, 2, 3}), 100, frame, consumed), FrameStatus::kMalformed);
  EXPECT_EQ(readFrame(bytes({0x7f, 0xff, 0xff, 0xff}), 100, frame, consumed),
            FrameStatus::kTooLarge);
  // Two frames back to back: the first is read, the rest left.
  auto two = ping + encoded(Rping{});
  ASSERT_EQ(readFrame(two, 100, frame, consumed), FrameStatus::kComplete);
  EXPECT_EQ(consumed, 8u);
  EXPECT_EQ(frame.type, type::kTping);
}

TEST(MuxFrame, TruncatedBodiesAreProtocolErrors) {
  Tdispatch d{2, {{"key", "value"}}, "/dst", {{"/a", "/b"}}, "body"};
  auto wire = encoded(d);
  std::string body = wire.substr(kHeaderSize);
  // Every cut inside the contexts, destination or dtab is malformed (past them it is just a
  // shorter body).
  size_t fixed = body.size() - 4;
  for (size_t n = 0; n < fixed; ++n) {
    EXPECT_THROW(decode(type::kTdispatch, 2, body.substr(0, n)), ProtocolError) << n;
  }
  EXPECT_THROW(decode(type::kTinit, 1, bytes({0, 1, 0, 0, 0, 9, 'a'})), ProtocolError);
}

TEST(MuxFrame, EncoderRejectsOutOfRangeTags) {
  std::string out;
  EXPECT_THROW(encode(Tping{1u << 24}, out), ProtocolError);
  EXPECT_THROW(encode(Tdispatch{2, {{std::string(70000, 'k'), ""}}, "", {}, ""}, out),
               ProtocolError);
}

}  // namespace
}  // namespace scales::mux

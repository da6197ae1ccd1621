// SPDX-License-Identifier: Apache-2.0
// Finagle's TraceContext bytes, ids and sampling flags.
#include "scales/core/trace_context.h"

#include <gtest/gtest.h>

#include <set>

namespace scales {
namespace {

std::string muxOf(const TraceContext& c) {
  char out[TraceContext::kMaxMuxBytes];
  return std::string(out, c.writeMux(out));
}

TEST(TraceContext, MuxBytesAreSpanParentTraceFlagsBigEndian) {
  TraceContext c{.trace_id = 0x0102030405060708,
                 .span_id = 0x1112131415161718,
                 .parent_id = 0x2122232425262728,
                 .flags = TraceContext::kSamplingKnown};
  std::string bytes = muxOf(c);
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(bytes.substr(0, 8), "\x11\x12\x13\x14\x15\x16\x17\x18");
  EXPECT_EQ(bytes.substr(8, 8), "\x21\x22\x23\x24\x25\x26\x27\x28");
  EXPECT_EQ(bytes.substr(16, 8), "\x01\x02\x03\x04\x05\x06\x07\x08");
  EXPECT_EQ(bytes.substr(24, 8), std::string("\0\0\0\0\0\0\0\x02", 8));
  EXPECT_EQ(TraceContext::fromMux(bytes), c);
}

TEST(TraceContext, ARootCarriesItsOwnIdAsParentAndReadsBackAsRoot) {
  TraceContext root = TraceContext::root();
  std::string bytes = muxOf(root);
  EXPECT_EQ(bytes.substr(0, 8), bytes.substr(8, 8));  // Finagle: parent = span for a root
  auto back = TraceContext::fromMux(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->parent_id, 0u);
  EXPECT_EQ(back->span_id, root.span_id);
}

TEST(TraceContext, A128BitTraceIdTakesFortyBytes) {
  TraceContext c = TraceContext::root();
  c.trace_id_high = 0xabcdef;
  std::string bytes = muxOf(c);
  ASSERT_EQ(bytes.size(), 40u);
  EXPECT_EQ(TraceContext::fromMux(bytes)->trace_id_high, 0xabcdefu);
  EXPECT_EQ(c.traceIdHex().size(), 32u);
}

TEST(TraceContext, OtherLengthsAndZeroIdsAreNotATrace) {
  EXPECT_FALSE(TraceContext::fromMux(std::string(31, '\1')));
  EXPECT_FALSE(TraceContext::fromMux(std::string(33, '\1')));
  EXPECT_FALSE(TraceContext::fromMux(std::string(32, '\0')));
}

TEST(TraceContext, SamplingFollowsFinaglesFlags) {
  TraceContext c = TraceContext::root();
  EXPECT_FALSE(c.samplingKnown());
  EXPECT_FALSE(c.sampled());
  c.flags = TraceContext::kSampled;  // without SamplingKnown it means nothing
  EXPECT_FALSE(c.sampled());
  c.setSampled(true);
  EXPECT_EQ(c.flags, TraceContext::kSamplingKnown | TraceContext::kSampled);
  EXPECT_TRUE(c.sampled());
  c.setSampled(false);
  EXPECT_TRUE(c.samplingKnown());
  EXPECT_FALSE(c.sampled());
  c.flags |= TraceContext::kDebug;  // debug always records
  EXPECT_TRUE(c.sampled());
}

TEST(TraceContext, AChildKeepsTraceAndFlagsAndPointsAtItsParent) {
  TraceContext parent = TraceContext::root();
  parent.setSampled(true);
  TraceContext child = parent.child();
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(child.parent_id, parent.span_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_EQ(child.flags, parent.flags);
}

TEST(TraceContext, IdsAreNonZeroAndDistinct) {
  std::set<uint64_t> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(randomId());
  EXPECT_EQ(ids.size(), 10000u);
  EXPECT_EQ(ids.count(0), 0u);
  EXPECT_EQ(TraceContext::idHex(0x1a), "000000000000001a");
}

}  // namespace
}  // namespace scales

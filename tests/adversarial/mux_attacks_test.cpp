// SPDX-License-Identifier: Apache-2.0
// Attacks in the Mux protocol itself, each against a hardening_server of its own while
// legitimate Mux and framed clients keep calling: fragments that never complete, a second call
// on a tag already in flight (whole or fragmented), a 16 MB Tinit of empty headers, mux-framer =
// 1, 100k Tdispatch on one connection, more calls than max_pending_calls, Tdiscarded for queued
// calls, expired deadlines, thousands of contexts per call with debug-flagged traces, and
// dispatches, pings and fragments on the marker tags 0 and 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "attacks.h"
#include "harness.h"

namespace scales::adversarial {
namespace {
using namespace std::chrono_literals;

constexpr int kF = sanitizerFactor();

// Fragments on 200 distinct tags that never complete (max_reassembling_messages 16), then
// fragments on one tag adding up to 6.4 MiB (max_message_bytes 1 MiB): each connection is closed
// within 2 s of its last fragment (x3 under ASan) and counted as a protocol error.
TEST(Adversarial, MuxFragmentsThatNeverCompleteAreBounded) {
  Harness h("mux-fragments",
            {"--max-reassembling-messages", "16", "--max-message-bytes", "1048576"});
  auto many = fragmentFlood(h.port(), 200, 100, false);
  auto big = fragmentFlood(h.port(), 100, 64 * 1024, true);
  h.note("many_tags_sent", std::to_string(many.fragments_sent));
  h.note("many_tags_closed_after_s", str(many.closed_after_s));
  h.note("one_tag_sent", std::to_string(big.fragments_sent));
  h.note("one_tag_closed_after_s", str(big.closed_after_s));
  EXPECT_TRUE(many.closed) << "fragments on 200 tags were all held";
  EXPECT_TRUE(big.closed) << "a 6.4 MiB fragmented message was held";
  EXPECT_LE(many.closed_after_s, 2.0 * kF);
  EXPECT_LE(big.closed_after_s, 2.0 * kF);
  auto out = h.finish({.rss_growth_kib = 32 * kMiB * kF});
  EXPECT_GE(counter(out.stats, "protocol_errors"), 2u);
}

// A call in flight on tag 5 (held 1 s), then a second Tdispatch on the same tag, whole or in two
// fragments: the second never runs, and tag 5 gets at most one reply, the first call's own (a
// second reply on a tag, even a NACK, would complete the client's call with the wrong answer:
// a NACK says "not run, retry elsewhere" about a call that did run).
TEST(Adversarial, MuxDuplicateTagGetsOneReply) {
  Harness h("mux-duplicate-tag", {});
  int closed = 0;
  for (bool fragmented : {true, false}) {
    SCOPED_TRACE(fragmented ? "fragmented" : "whole");
    auto r = duplicateTag(h.port(), 1000, fragmented, Millis(4000 * kF));
    int replies = 0;
    std::string kinds;
    for (const auto& f : r.tag5) {
      if (f.type >= 0) continue;  // only R-messages answer the call
      ++replies;
      auto d = f.type == -2 ? wire::parseRdispatch(f.body) : std::nullopt;
      auto reply = d && d->status == 0 ? wire::parseThriftReply(d->body) : std::nullopt;
      kinds += std::to_string(f.type) + (d ? "/status " + std::to_string(d->status) : "") + " ";
      if (reply && reply->success) {
        EXPECT_EQ(*reply->success, "first:1") << "tag 5 answered with another call's reply";
      }
    }
    EXPECT_LE(replies, 1) << "tag 5 got " << replies << " replies: " << kinds;
    EXPECT_TRUE(r.closed || replies == 1) << "the call in flight was never answered";
    h.note(fragmented ? "fragmented" : "whole",
           (r.closed ? "closed" : "open") + std::string("/replies: ") + kinds);
    closed += r.closed;
  }
  auto out = h.finish();
  EXPECT_EQ(callsWithPrefix(out.stats, "second"), 0u) << "the duplicate-tag call ran";
  EXPECT_GE(counter(out.stats, "protocol_errors"), static_cast<uint64_t>(closed));
}

// Three Tinit frames of 2,000,000 empty headers (16 MB each): each is refused (Rerr or the
// connection closed, never Rinit) within 2 s of its last byte (x3 under ASan), RSS grows by less
// than 64 MiB (before the fix: 150 MB each), and legitimate calls keep their p99.
TEST(Adversarial, HugeTinitIsRefusedQuickly) {
  Harness h("tinit-bomb", {});
  int closed = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = tinitBomb(h.port(), 2000000, Millis(5000 * kF));
    h.note("bomb" + std::to_string(i),
           r.outcome + "/sent " + str(r.send_s) + "s/answered " + str(r.outcome_s) + "s");
    EXPECT_TRUE(r.outcome == "closed" || r.outcome == "rerr") << r.outcome;
    EXPECT_LE(r.outcome_s, 2.0 * kF);
    closed += r.outcome == "closed";
  }
  auto out = h.finish();
  EXPECT_GE(counter(out.stats, "protocol_errors"), static_cast<uint64_t>(closed));
}

// A peer that asks for fragments of at most 1 byte (mux-framer = 1) gets a 10 KB reply in at most
// 1.5x the bytes of the unfragmented frame (before the fix: 9x, one 8-byte header per byte).
TEST(Adversarial, MuxFramerOfOneByteDoesNotAmplify) {
  Harness h("mux-framer-1", {});
  auto r = framerOne(h.port(), 10000);
  EXPECT_TRUE(r.handshake);
  EXPECT_TRUE(r.ok) << "the reply was not the call's own";
  double ratio = static_cast<double>(r.wire_bytes) / static_cast<double>(r.message_bytes + 8);
  h.note("reply_frames", std::to_string(r.frames));
  h.note("reply_wire_bytes", std::to_string(r.wire_bytes));
  h.note("unfragmented_bytes", std::to_string(r.message_bytes + 8));
  h.note("ratio", str(ratio));
  EXPECT_LE(ratio, 1.5);
  h.finish();
}

// 100,000 Tdispatch (held 3 s each) on one connection that does not read, against
// --max-calls-per-connection 32: the calls over the limit are NACKed at once (at least 1,000
// NACKs arrive before the first successful reply), no tag is answered twice, no reply is another
// call's, and RSS grows by less than 64 MiB.
TEST(Adversarial, TdispatchFloodBeyondPerConnectionLimitIsNacked) {
  Harness h("tdispatch-flood", {"--max-calls-per-connection", "32"});
  auto r = dispatchFlood(h.port(), 100000, 3000, 3000ms, 5000ms);
  h.note("calls_sent", std::to_string(r.calls_sent));
  h.note("nacks", std::to_string(r.nacks));
  h.note("nacks_before_first_ok", std::to_string(r.nacks_before_first_ok));
  h.note("ok", std::to_string(r.ok));
  h.note("first_ok_s", str(r.first_ok_s));
  EXPECT_GE(r.nacks_before_first_ok, 1000) << "calls over the limit were not refused at once";
  EXPECT_EQ(r.duplicates, 0);
  EXPECT_EQ(r.wrong, 0);
  EXPECT_EQ(r.other, 0);
  auto out = h.finish();
  EXPECT_GE(counter(out.stats, "calls_refused"), static_cast<uint64_t>(r.nacks));
  EXPECT_LE(callsWithPrefix(out.stats, "flood"), static_cast<uint64_t>(r.calls_sent - r.nacks));
}

// Four connections of 100 calls each (held 2 s) against --max-pending-calls 64: at least 336 are
// refused at once (NACK) and counted. No legitimate load here: the server-wide cap refuses
// everyone alike while it is full.
TEST(Adversarial, PendingCallsAreCappedServerWide) {
  Harness h("max-pending-calls",
            {"--max-pending-calls", "64", "--max-calls-per-connection", "1000"}, std::nullopt);
  std::vector<DispatchFlood> results(4);
  std::vector<std::thread> attackers;
  for (size_t i = 0; i < results.size(); ++i) {
    attackers.emplace_back(
        [&, i] { results[i] = dispatchFlood(h.port(), 100, 2000, 1000ms, Millis(3000 * kF)); });
  }
  for (auto& t : attackers) t.join();
  int nacks = 0, ok = 0;
  for (const auto& r : results) {
    nacks += r.nacks;
    ok += r.ok;
    EXPECT_EQ(r.duplicates + r.wrong + r.other, 0);
  }
  h.note("nacks", std::to_string(nacks));
  h.note("ok", std::to_string(ok));
  EXPECT_GE(nacks, 400 - 64);
  EXPECT_LE(ok, 64 + 64) << "more calls ran than two rounds of the cap allow";
  auto out = h.finish();
  EXPECT_GE(counter(out.stats, "calls_refused"), static_cast<uint64_t>(nacks));
}

// With the only handler thread busy for 1.5 s, 10 queued calls are discarded: each gets its
// Rdiscarded at once (within 1 s, before the busy call ends), none gets a reply, and the handler
// never runs for any of them. Legitimate calls queue behind the busy thread too, so their p99
// bound here is 1.5 s + 1.5 s (x3 under ASan).
TEST(Adversarial, TdiscardedRemovesQueuedCalls) {
  Harness h("tdiscarded-queued", {"--handler", "sync", "--handler-threads", "1"});
  auto r = discardQueued(h.port(), 1500, 10);
  h.note("rdiscarded", std::to_string(r.rdiscarded));
  h.note("last_rdiscarded_s", str(r.last_rdiscarded_s));
  EXPECT_EQ(r.rdiscarded, 10);
  EXPECT_LE(r.last_rdiscarded_s, 1.0) << "discarded calls waited for the busy handler";
  EXPECT_EQ(r.replies_for_discarded, 0);
  EXPECT_TRUE(r.hold_answered);
  auto out = h.finish({.p99_bound_ms = 3000.0 * kF});
  EXPECT_EQ(callsWithPrefix(out.stats, "discard"), 0u) << "the handler ran for discarded calls";
  EXPECT_GE(counter(out.stats, "discarded"), 10u);
}

// Ten calls whose Finagle Deadline passed a second ago are answered without running the handler
// (deadline_expired counted), with async and with blocking handlers; a call with 10 s left on the
// same connection runs.
TEST(Adversarial, ExpiredDeadlineIsNotRun) {
  for (const char* kind : {"async", "sync"}) {
    SCOPED_TRACE(kind);
    Harness h(std::string("expired-deadline-") + kind, {"--handler", kind});
    auto r = expiredDeadlines(h.port(), 10, Millis(5000 * kF));
    EXPECT_EQ(r.answered, 10) << "expired calls must still be answered";
    EXPECT_EQ(r.echoed, 0) << "the handler answered a call whose deadline had passed";
    EXPECT_TRUE(r.control_ok) << "a call with time left was not served";
    auto out = h.finish();
    EXPECT_EQ(callsWithPrefix(out.stats, "expired"), 0u);
    EXPECT_EQ(callsWithPrefix(out.stats, "control"), 1u);
    EXPECT_GE(counter(out.stats, "deadline_expired"), 10u);
  }
}

// 200 Tdispatches of 4,001 contexts each (2,000 user keys, each sent twice, and a TraceContext
// with the debug flag, which forces recording whatever the sample rate) against a server whose
// tracer queue holds 50 spans: every call is answered by its handler, memory stays within 32 MiB
// of the baseline (the server keeps at most 16 contexts per call), and each call's span is
// recorded or dropped, counted either way, never queued beyond the bound.
TEST(Adversarial, ThousandsOfContextsAndDebugTracesStayBounded) {
  Harness h("context-flood", {"--trace-file", "/dev/null", "--trace-queue", "50"});
  constexpr int kCalls = 200;
  auto r = contextFlood(h.port(), kCalls, 2000, Millis(20000 * kF));
  h.note("bytes_sent", std::to_string(r.bytes_sent));
  EXPECT_EQ(r.echoed, kCalls) << "calls with many contexts were not served";
  auto out = h.finish({.rss_growth_kib = 32 * kMiB * kF});
  EXPECT_EQ(
      counter(out.stats, "tracing_spans_recorded") + counter(out.stats, "tracing_spans_dropped"),
      static_cast<uint64_t>(kCalls))
      << "every debug-flagged call makes one server span, recorded or dropped";
}

// Tdispatch on the marker tag 0 and the control tag 1, a Tping on tag 0, and a fragment starting
// a Tdispatch on tag 0 or 1: no call is served (no handler runs, no Rdispatch with the echo, no
// Rping on tag 0); the server answers the Tping on tag 1 that follows, or closes the connection
// (then counted as a protocol error). A fragment on a tag that can carry no call is not held for
// reassembly: the connection is closed or the fragment answered with an Rerr.
TEST(Adversarial, MarkerTagsAreNotServed) {
  Harness h("marker-tags", {});
  struct Case {
    MarkerProbe probe;
    uint32_t tag;
    const char* name;
  };
  int closed = 0;
  for (Case c : {Case{MarkerProbe::kDispatch, 0, "Tdispatch on tag 0"},
                 Case{MarkerProbe::kDispatch, 1, "Tdispatch on tag 1"},
                 Case{MarkerProbe::kPing, 0, "Tping on tag 0"},
                 Case{MarkerProbe::kFragment, 0, "fragment on tag 0"},
                 Case{MarkerProbe::kFragment, 1, "fragment on tag 1"}}) {
    auto r = markerTag(h.port(), c.probe, c.tag, Millis(3000 * kF));
    EXPECT_FALSE(r.served) << c.name << " was served";
    EXPECT_TRUE(r.pinged || r.closed) << c.name << ": no answer to the Tping after it";
    bool rerr = false;
    std::string types;
    for (int8_t t : r.types) {
      types += std::to_string(t) + ",";
      rerr = rerr || t == -128 || t == 127;
    }
    if (c.probe == MarkerProbe::kFragment) {
      EXPECT_TRUE(r.closed || rerr) << c.name << " was accepted for reassembly";
    }
    std::string key = c.name;
    std::replace(key.begin(), key.end(), ' ', '_');
    h.note(key, (r.closed ? "closed" : "open") + std::string("/types:") + types);
    closed += r.closed;
  }
  auto out = h.finish();
  EXPECT_EQ(callsWithPrefix(out.stats, "tag0"), 0u);
  EXPECT_EQ(callsWithPrefix(out.stats, "tag1"), 0u);
  EXPECT_GE(counter(out.stats, "protocol_errors"), static_cast<uint64_t>(closed));
}

}  // namespace
}  // namespace scales::adversarial

// SPDX-License-Identifier: Apache-2.0
// Framed Thrift, error replies and reply matching: a first frame that is not a call, calls sent
// while the server drains, malformed frames whose error replies must not amplify, and 2,000
// pipelined calls with random handler delays whose replies must each reach their own caller
// (framed pipelined and Mux against hardening_server; framed pipelined against the stock Apache
// Thrift server).
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <random>

#include "InteropService.scales.h"
#include "attacks.h"
#include "harness.h"
#include "support/child_process.h"

namespace scales::adversarial {
namespace {
using namespace std::chrono_literals;

constexpr int kF = sanitizerFactor();

// A framed first frame holding a REPLY (80 01 00 02) or an EXCEPTION (80 01 00 03) instead of a
// call reads like a Mux Rerr; the server must still take it for framed Thrift and answer it with
// a TApplicationException within 1 s (x3 under ASan) instead of waiting.
TEST(Adversarial, FramedFirstFrameThatIsNotACallIsAnswered) {
  Harness h("framed-not-a-call", {});
  for (int8_t type : {wire::kReply, wire::kException}) {
    auto r = framedFirstFrameNotACall(h.port(), type, Millis(3000 * kF));
    EXPECT_TRUE(r.answered) << "message type " << int{type} << ": no answer";
    ASSERT_TRUE(r.reply) << "message type " << int{type} << ": the answer is not Thrift";
    EXPECT_EQ(r.reply->type, wire::kException) << int{type};
    EXPECT_LE(r.seconds, 1.0 * kF);
    h.note("type" + std::to_string(type), str(r.seconds) + "s/" + r.reply->error_message);
  }
  auto out = h.finish();
  // The legitimate framed client is one downgraded connection; these are two more.
  EXPECT_GE(counter(out.stats, "downgraded_connects"), 3u);
}

// SIGTERM while a framed call is in flight (held 1.5 s): once the server is draining (a Mux
// peer has its Tdrain), a second call on the framed connection is answered, in order: the first
// call's own reply, then a TApplicationException for the second, not silence. The server then
// exits cleanly. No legitimate load: the server is going away.
TEST(Adversarial, FramedCallsWhileDrainingAreAnswered) {
  ServerProcess server({"--drain-timeout-ms", "5000"});
  auto framed = RawConn::connect(server.port(), 2000ms);
  auto mux = RawConn::connect(server.port(), 2000ms);
  ASSERT_TRUE(framed && mux);
  ASSERT_TRUE(muxHandshake(*mux, 2000ms));
  ASSERT_TRUE(framed->sendAll(wire::framedFlakyCall("read", 1, "drainA:1", 1500), 2000ms));
  // The first call is in the handler (counted) before the drain starts.
  bool started = false;
  for (int i = 0; i < 250 && !started; ++i) {
    mux->sendAll(wire::tdispatch(2, "__stats", 0), 2000ms);
    auto reply = mux->readMux(2000ms);
    started = reply && reply->body.find("\"drainA\":1") != std::string::npos;
    if (!started) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(started) << "the first framed call never reached the handler";
  server.terminate();
  bool draining = false;
  for (int i = 0; i < 100 && !draining; ++i) {
    auto frame = mux->readMux(5000ms);
    if (!frame) break;
    draining = frame->type == 64;
  }
  ASSERT_TRUE(draining) << "no Tdrain after SIGTERM";
  mux->sendAll(wire::muxFrame(-64, 1, ""), 2000ms);  // Rdrain
  ASSERT_TRUE(framed->sendAll(wire::framedFlakyCall("read", 2, "drainB:1", 0), 2000ms));
  auto first = framed->readFramed(Millis(4000 * kF));
  auto second = framed->readFramed(Millis(2000 * kF));
  ASSERT_TRUE(first) << "the call in flight was not answered";
  auto a = wire::parseThriftReply(*first);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->seqid, 1);
  EXPECT_EQ(a->success, std::optional<std::string>("drainA:1"));
  ASSERT_TRUE(second) << "the call sent while draining got silence";
  auto b = wire::parseThriftReply(*second);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->seqid, 2);
  EXPECT_EQ(b->type, wire::kException) << "a call sent while draining must be refused";
  std::cout << "ADVERSARIAL framed-while-draining: second reply: " << b->error_message << std::endl;
  framed.reset();
  mux.reset();
  auto stats = server.stop();
  EXPECT_EQ(server.exitStatus(), std::optional<int>(0));
  EXPECT_FALSE(stats.empty()) << "no stats line after the drain";
}

// 2,000 calls issued at once with random handler delays (0-5 ms), over one pipelined framed
// connection and over Mux: every reply is its own call's (zero mismatches, zero failures), all
// within 20 s. Before the fix 692 of 2,000 framed calls got another call's reply.
TEST(Adversarial, PipelinedRepliesMatchTheirCalls) {
  Harness h("pipelined-ordering", {}, std::nullopt);
  std::mt19937 random(12345);
  for (const char* transport : {"&transport=framed&pipelined=true", ""}) {
    SCOPED_TRACE(transport);
    auto client = flaky::FlakyClient::make("tcp://127.0.0.1:" + std::to_string(h.port()) +
                                           "?timeout_ms=20000&max_retries=0" + transport);
    std::vector<std::string> keys;
    std::vector<std::future<std::string>> replies;
    for (int i = 0; i < 2000; ++i) {
      keys.push_back("order:" + std::to_string(i) + ":" + std::to_string(random()));
      int32_t delay = static_cast<int32_t>(random() % 6);
      replies.push_back(client.read(keys.back(), delay, boost::asio::use_future));
    }
    int mismatches = 0, failures = 0;
    std::string first_problem;
    for (size_t i = 0; i < replies.size(); ++i) {
      try {
        if (replies[i].wait_for(20s) != std::future_status::ready) {
          ++failures;
          first_problem = "call " + std::to_string(i) + " never completed";
          break;
        }
        std::string got = replies[i].get();
        if (got != keys[i] && mismatches++ == 0) first_problem = keys[i] + " got " + got;
      } catch (const std::exception& e) {
        if (failures++ == 0) first_problem = e.what();
      }
    }
    EXPECT_EQ(mismatches, 0) << first_problem;
    EXPECT_EQ(failures, 0) << first_problem;
    h.note(transport[0] ? "framed_mismatches" : "mux_mismatches", std::to_string(mismatches));
  }
  h.finish();
}

// The same 2,000 pipelined calls (add and concat, interleaved) against the stock Apache Thrift
// TThreadedServer: every reply matches its call.
TEST(Adversarial, PipelinedRepliesMatchTheirCallsOnStockServer) {
  testing::ChildProcess stock({STOCK_SERVER, "binary"});
  auto line = stock.readLine(20s);
  ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock server did not start";
  auto client = interop::InteropServiceClient::make(
      "tcp://127.0.0.1:" + line->substr(5) + "?transport=framed&pipelined=true&timeout_ms=20000");
  std::vector<std::future<int64_t>> sums;
  std::vector<std::future<std::string>> joined;
  for (int i = 0; i < 1000; ++i) {
    sums.push_back(client.add(i, int64_t{1000} * i, boost::asio::use_future));
    joined.push_back(client.concat("a" + std::to_string(i), "b", boost::asio::use_future));
  }
  int mismatches = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(sums[static_cast<size_t>(i)].wait_for(20s), std::future_status::ready);
    mismatches += sums[static_cast<size_t>(i)].get() != int64_t{1001} * i;
    ASSERT_EQ(joined[static_cast<size_t>(i)].wait_for(20s), std::future_status::ready);
    mismatches += joined[static_cast<size_t>(i)].get() != "a" + std::to_string(i) + "b";
  }
  EXPECT_EQ(mismatches, 0);
  std::cout << "ADVERSARIAL pipelined-ordering-stock: 2000 calls, " << mismatches << " mismatches"
            << std::endl;
}

// 1,000 malformed frames (framed: a call header cut short; Mux: a Tdispatch of one byte) on a
// connection: the answers add up to at most 4x the bytes sent (before the fix: 85 bytes for each
// 8-byte framed frame, about 10x; Mux about 5x), whether the server answers each or closes the
// connection (then counted as a protocol error).
TEST(Adversarial, MalformedFramesDoNotAmplify) {
  Harness h("malformed-amplification", {});
  for (bool mux : {false, true}) {
    auto r = malformedFrames(h.port(), mux, 1000, Millis(5000 * kF));
    double ratio =
        static_cast<double>(r.received) / static_cast<double>(std::max<uint64_t>(r.sent, 1));
    h.note(mux ? "mux" : "framed", std::to_string(r.sent) + " sent, " + std::to_string(r.received) +
                                       " received (" + str(ratio) + "x)" +
                                       (r.closed ? ", closed" : ""));
    EXPECT_TRUE(r.closed || r.last_call_answered) << (mux ? "mux" : "framed") << ": no outcome";
    EXPECT_LE(ratio, 4.0) << (mux ? "mux" : "framed") << ": error replies amplify";
  }
  h.finish();
}

}  // namespace
}  // namespace scales::adversarial

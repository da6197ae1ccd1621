// SPDX-License-Identifier: Apache-2.0
// What crosses hops, end to end: this test process calls tier A, whose handler calls tier B, each
// tier in its own process (tests/support/chain_server.cpp), over Mux and over HTTP. B sees A's
// trace and span, the deadline shrinks at each hop, user contexts arrive intact, spans posted to
// a collector process form the expected tree, concurrent calls keep their own contexts, and
// retries multiply down the chain unless a tier declines to retry under a retry.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "Chain.scales.h"
#include "scales/context/call_options.h"
#include "scales/context/inherited.h"
#include "scales/http/client.h"
#include "scales/zipkin/exporters.h"
#include "support/chain_tier.h"
#include "support/child_process.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

// A helper process that prints "listening <port>" once it serves.
struct Process {
  explicit Process(std::vector<std::string> argv) : child(argv) {
    auto line = child.readLine(20s);
    if (!line || line->rfind("listening ", 0) != 0) {
      throw std::runtime_error(argv[0] + " did not start: " + line.value_or("(nothing)"));
    }
    port = std::stoi(line->substr(10));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  // Stops it the way an operator would (SIGTERM): a tier exports its spans first.
  void stop() { EXPECT_EQ(child.terminate(20s), 0); }

  ChildProcess child;
  int port = 0;
};

std::vector<std::string> tierArgs(const std::string& tier, std::vector<std::string> more) {
  std::vector<std::string> argv{CHAIN_SERVER, "--tier", tier};
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

const std::string kBinary("\0\xff\x01 bytes", 9);  // not text: must survive base64 on HTTP

CallOptions tenantOptions() {
  return CallOptions{.timeout = 2s, .contexts = {{"tenant", "acme"}, {"blob", kBinary}}};
}

// A trace this process is in the middle of, sampled, so every tier records its spans.
Inherited tracedCaller() {
  Inherited caller;
  caller.trace = TraceContext::root();
  caller.trace.setSampled(true);
  return caller;
}

// The collector's spans of one trace, by id.
std::map<std::string, nlohmann::json> spansOf(const Process& collector, const std::string& trace) {
  auto http = http::Client::make("tcp://" + collector.address());
  auto all = nlohmann::json::parse(http->get("/spans").body);
  std::map<std::string, nlohmann::json> spans;
  for (auto& span : all) {
    if (span.at("traceId") == trace) spans[span.at("id")] = span;
  }
  return spans;
}

// The one span with this parent (and, if given, local service and kind).
const nlohmann::json& childOf(const std::map<std::string, nlohmann::json>& spans,
                              const std::string& parent, const std::string& service,
                              const std::string& kind) {
  const nlohmann::json* found = nullptr;
  for (const auto& [id, span] : spans) {
    if (span.value("parentId", "") == parent && span["localEndpoint"]["serviceName"] == service &&
        span["kind"] == kind) {
      EXPECT_EQ(found, nullptr) << "two " << kind << " children of " << parent;
      found = &span;
    }
  }
  if (!found) throw std::runtime_error("no " + kind + " span of " + service + " under " + parent);
  return *found;
}

// A child's time lies within its parent's (one machine's clock; 200 us for rounding).
void expectNested(const nlohmann::json& parent, const nlohmann::json& child) {
  int64_t p0 = parent["timestamp"], p1 = p0 + parent["duration"].get<int64_t>();
  int64_t c0 = child["timestamp"], c1 = c0 + child["duration"].get<int64_t>();
  EXPECT_GE(c0, p0 - 200) << child.dump() << "\nstarts before\n" << parent.dump();
  EXPECT_LE(c1, p1 + 200) << child.dump() << "\nends after\n" << parent.dump();
}

// Installs a tracer for this process that records what it is given to sample, into `collector`.
struct ClientTracer {
  explicit ClientTracer(const Process& collector) {
    tracing::TracerOptions options;
    options.service_name = "client";
    options.sample_rate = 0;
    tracing::install(std::make_shared<tracing::Tracer>(
        options, std::make_shared<zipkin::ZipkinExporter>("http://" + collector.address() +
                                                          "/api/v2/spans")));
  }
  ~ClientTracer() { tracing::install(nullptr); }
  void flush() { tracing::current()->flush(); }
};

void expectHopsCarried(const std::vector<chain::Hop>& hops, const Inherited& caller) {
  ASSERT_EQ(hops.size(), 2u);
  const auto &a = hops[0], &b = hops[1];
  EXPECT_EQ(a.tier, "A");
  EXPECT_EQ(b.tier, "B");
  // One trace from this process down to B, sampled as this process decided.
  EXPECT_EQ(a.trace_id, caller.trace.traceIdHex());
  EXPECT_EQ(b.trace_id, caller.trace.traceIdHex());
  EXPECT_TRUE(a.sampled && b.sampled);
  EXPECT_NE(a.span_id, b.span_id);
  // The deadline shrinks at each hop, and no tier's own (10 s) timeout replaced it.
  EXPECT_GT(a.deadline_left_us, 0);
  EXPECT_LT(a.deadline_left_us, 2'000'000);
  EXPECT_GT(b.deadline_left_us, 0);
  EXPECT_LT(b.deadline_left_us, a.deadline_left_us);
  // The caller's contexts, byte for byte, at both tiers.
  for (const auto& hop : hops) {
    EXPECT_EQ(hop.contexts.at("tenant"), "acme") << hop.tier;
    EXPECT_EQ(hop.contexts.at("blob"), kBinary) << hop.tier;
    EXPECT_EQ(hop.retries, 0) << hop.tier;
  }
}

// The spans of one call: this process's call and attempt, A's server span, A's call and attempt
// to B, and B's server span, each the parent of the next, in time as in ids.
// Clients name spans by method; servers by method (Thrift) or route (the HTTP tiers).
void expectSpanTree(const Process& collector, const std::vector<chain::Hop>& hops,
                    const Inherited& caller, const std::string& method,
                    const std::string& server_name) {
  auto spans = spansOf(collector, caller.trace.traceIdHex());
  EXPECT_EQ(spans.size(), 6u);
  const auto& call = childOf(spans, TraceContext::idHex(caller.trace.span_id), "client", "CLIENT");
  const auto& attempt = childOf(spans, call["id"], "client", "CLIENT");
  const auto& a = childOf(spans, attempt["id"], "A", "SERVER");
  const auto& a_call = childOf(spans, a["id"], "A", "CLIENT");
  const auto& a_attempt = childOf(spans, a_call["id"], "A", "CLIENT");
  const auto& b = childOf(spans, a_attempt["id"], "B", "SERVER");
  EXPECT_EQ(a["id"], hops[0].span_id);
  EXPECT_EQ(b["id"], hops[1].span_id);
  EXPECT_EQ(b["parentId"], hops[1].parent_id);  // what B read off the wire
  EXPECT_EQ(attempt["tags"]["scales.attempt"], "first");
  EXPECT_EQ(a_attempt["remoteEndpoint"]["port"].is_number(), true);
  for (const auto* span : {&call, &attempt, &a, &a_call, &a_attempt, &b}) {
    EXPECT_EQ((*span)["name"], (*span)["kind"] == "SERVER" ? server_name : method);
    EXPECT_EQ((*span)["tags"]["scales.outcome"], "ok") << span->dump();
  }
  expectNested(call, attempt);
  expectNested(attempt, a);
  expectNested(a, a_call);
  expectNested(a_call, a_attempt);
  expectNested(a_attempt, b);
}

class MuxChain : public ::testing::TestWithParam<bool> {};  // A's handler: async?

TEST_P(MuxChain, DeadlineTraceAndContextsReachTheThirdTierAndSpansFormTheTree) {
  Process collector({SPAN_COLLECTOR});
  std::string zipkin = "http://" + collector.address() + "/api/v2/spans";
  Process b(tierArgs("B", {"--zipkin", zipkin}));
  std::vector<std::string> a_args{"--next", "tcp://" + b.address(), "--zipkin", zipkin};
  if (GetParam()) a_args.push_back("--async");
  Process a(tierArgs("A", a_args));
  ClientTracer tracer(collector);
  auto client = chain::ChainClient::make("tcp://" + a.address());

  Inherited caller = tracedCaller();
  std::vector<chain::Hop> hops;
  {
    InheritedScope in(caller);
    CallOptionsScope options(tenantOptions());
    hops = client.call("one");
  }
  expectHopsCarried(hops, caller);

  b.stop();  // each tier exports its spans as it stops
  a.stop();
  tracer.flush();
  expectSpanTree(collector, hops, caller, "call", "call");
}

INSTANTIATE_TEST_SUITE_P(SyncAndAsyncHandlers, MuxChain, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "AsyncA" : "SyncA"; });

std::vector<chain::Hop> hopsOf(const http::Response& response) {
  EXPECT_EQ(response.status, 200) << response.body;
  std::vector<chain::Hop> hops;
  for (const auto& hop : nlohmann::json::parse(response.body)) hops.push_back(hopFromJson(hop));
  return hops;
}

class HttpChain : public ::testing::TestWithParam<std::string> {};  // the client's trace headers

TEST_P(HttpChain, DeadlineTraceAndContextsReachTheThirdTierAndSpansFormTheTree) {
  Process collector({SPAN_COLLECTOR});
  std::string zipkin = "http://" + collector.address() + "/api/v2/spans";
  Process b(tierArgs("B", {"--http", "--zipkin", zipkin}));
  Process a(tierArgs("A", {"--http", "--next", "tcp://" + b.address(), "--zipkin", zipkin}));
  ClientTracer tracer(collector);
  auto client = http::Client::make("tcp://" + a.address() + "?trace_headers=" + GetParam());

  Inherited caller = tracedCaller();
  std::vector<chain::Hop> hops;
  {
    InheritedScope in(caller);
    CallOptionsScope options(tenantOptions());
    hops = hopsOf(client->get("/call?tag=one"));
  }
  expectHopsCarried(hops, caller);

  b.stop();
  a.stop();
  tracer.flush();
  expectSpanTree(collector, hops, caller, "GET", "GET /call");
}

INSTANTIATE_TEST_SUITE_P(TraceHeaders, HttpChain, ::testing::Values("b3", "w3c", "both"),
                         [](const auto& p) { return p.param; });

// 1,000 calls in flight at once, each started under its own contexts: every one arrives at B
// with its own, in its own trace.
TEST_P(MuxChain, AThousandConcurrentCallsEachKeepTheirOwnContexts) {
  Process b(tierArgs("B", {}));
  std::vector<std::string> a_args{"--next", "tcp://" + b.address()};
  if (GetParam()) a_args.push_back("--async");
  Process a(tierArgs("A", a_args));
  auto client = chain::ChainClient::make("tcp://" + a.address() + "?timeout_ms=30000");

  constexpr int kCalls = 1000;
  std::vector<std::future<std::vector<chain::Hop>>> replies;
  for (int i = 0; i < kCalls; ++i) {
    CallOptionsScope options({.contexts = {{"request", std::to_string(i)}}});
    replies.push_back(client.call("many", boost::asio::use_future));
  }
  std::set<std::string> traces;
  int intact = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto hops = replies[i].get();
    ASSERT_EQ(hops.size(), 2u);
    bool own = true;
    for (const auto& hop : hops) {
      own = own && hop.contexts.size() == 1 && hop.contexts.at("request") == std::to_string(i);
    }
    own = own && hops[0].trace_id == hops[1].trace_id;
    intact += own ? 1 : 0;
    traces.insert(hops[1].trace_id);
  }
  EXPECT_EQ(intact, kCalls);
  EXPECT_EQ(traces.size(), static_cast<size_t>(kCalls));  // no call joined another's trace
}

// Retry amplification: this process retries A up to twice, A retries B up to twice, and B always
// fails with a retryable error. Every attempt of ours makes three at B: nine. A tier configured
// not to retry under a retry (retry_within_retry=false) retries only for our first attempt:
// three, then one for each of our two retries, five.
std::map<int32_t, int32_t> attemptsAtBottom(bool retry_within_retry) {
  Process b(tierArgs("B", {"--fail"}));
  std::vector<std::string> a_args{"--next", "tcp://" + b.address(), "--max-retries", "2"};
  if (!retry_within_retry) a_args.push_back("--no-retry-within-retry");
  Process a(tierArgs("A", a_args));
  auto client = chain::ChainClient::make("tcp://" + a.address() +
                                         "?max_retries=2&retry_backoff_ms=1&timeout_ms=10000");
  EXPECT_THROW(client.call("fails"), chain::Unavailable);
  // A saw our three attempts, each with its retry count: handlers can tell a retry.
  EXPECT_EQ(client.attempts(), (std::map<int32_t, int32_t>{{0, 1}, {1, 1}, {2, 1}}));
  return chain::ChainClient::make("tcp://" + b.address()).attempts();
}

TEST(RetryAmplification, EveryTierRetryingMultipliesAttemptsAtTheBottom) {
  auto at_b = attemptsAtBottom(true);
  EXPECT_EQ(at_b, (std::map<int32_t, int32_t>{{0, 3}, {1, 3}, {2, 3}}));
}

TEST(RetryAmplification, ATierThatDoesNotRetryUnderARetryKeepsItLinear) {
  auto at_b = attemptsAtBottom(false);
  EXPECT_EQ(at_b, (std::map<int32_t, int32_t>{{0, 3}, {1, 1}, {2, 1}}));
}

}  // namespace
}  // namespace scales::testing

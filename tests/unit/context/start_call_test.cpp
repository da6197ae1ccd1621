// SPDX-License-Identifier: Apache-2.0
// What a call takes from its thread when it starts: CallOptionsScope and what is inherited.
#include "scales/context/start_call.h"

#include <gtest/gtest.h>

#include <thread>

#include "scales/context/call_options.h"
#include "scales/context/inherited.h"
#include "scales/tracing/tracer.h"

namespace scales {
namespace {
using namespace std::chrono_literals;

Request started(Duration client_timeout = Duration::max()) {
  Request r;
  detail::startCall(r, client_timeout);
  return r;
}

TEST(StartCall, OutsideAnyScopeACallIsANewUndecidedRoot) {
  Request r = started();
  EXPECT_TRUE(r.deadline.isInfinite());
  EXPECT_TRUE(r.broadcast.empty());
  EXPECT_TRUE(r.span.valid());
  EXPECT_EQ(r.span.parent_id, 0u);
  EXPECT_FALSE(r.span.samplingKnown());  // no tracer installed: nobody decided
  EXPECT_NE(started().span.trace_id, r.span.trace_id);
}

TEST(StartCall, AnInheritedDeadlineWinsOnlyWhenEarlier) {
  Inherited in;
  in.deadline = Deadline::after(100ms);
  InheritedScope scope(in);
  EXPECT_EQ(started().deadline.at(), in.deadline.at());      // no own timeout
  EXPECT_EQ(started(10s).deadline.at(), in.deadline.at());   // client's is later
  EXPECT_LT(started(10ms).deadline.at(), in.deadline.at());  // client's is earlier
  CallOptionsScope options({.timeout = 5ms});
  EXPECT_LT(started(10s).deadline.at(), in.deadline.at());  // the call's own
}

TEST(StartCall, OutgoingCallsAreChildrenOfTheInheritedSpan) {
  Inherited in;
  in.trace = TraceContext::root();
  in.trace.setSampled(true);
  in.retries = 2;
  InheritedScope scope(in);
  Request r = started();
  EXPECT_EQ(r.span.trace_id, in.trace.trace_id);
  EXPECT_EQ(r.span.parent_id, in.trace.span_id);
  EXPECT_TRUE(r.span.sampled());
  EXPECT_EQ(r.inbound_retries, 2u);
  EXPECT_EQ(r.retries, 0u);  // this call's own attempts: none yet
}

TEST(StartCall, CallOptionsContextsReplaceInheritedOnesOfTheSameKey) {
  Inherited in;
  in.broadcast = {{"tenant", "inherited"}, {"region", "eu"}};
  InheritedScope scope(in);
  CallOptionsScope options({.hash_key = 7, .contexts = {{"tenant", "mine"}}});
  Request r = started();
  EXPECT_EQ(r.broadcast, (Context{{"tenant", "mine"}, {"region", "eu"}}));
  EXPECT_EQ(r.hash_key, 7u);
}

TEST(StartCall, ScopesNestAndEndWithTheirBlock) {
  {
    CallOptionsScope outer({.contexts = {{"k", "outer"}}});
    {
      CallOptionsScope inner({.contexts = {{"k", "inner"}}});
      EXPECT_EQ(started().broadcast, (Context{{"k", "inner"}}));
    }
    EXPECT_EQ(started().broadcast, (Context{{"k", "outer"}}));
  }
  EXPECT_TRUE(started().broadcast.empty());
  EXPECT_EQ(CallOptionsScope::current(), nullptr);
}

TEST(StartCall, BindInheritedCarriesItToAnotherThread) {
  Inherited in;
  in.broadcast = {{"who", "me"}};
  std::function<Context()> later;
  {
    InheritedScope scope(in);
    later = bindInherited([] { return started().broadcast; });
  }
  Context seen;
  std::thread([&] { seen = later(); }).join();
  EXPECT_EQ(seen, in.broadcast);
  EXPECT_TRUE(inherited().empty());
}

class RecordNothing : public tracing::Exporter {
 public:
  void exportSpans(const std::vector<tracing::Span>&) override {}
};

struct InstalledTracer {
  explicit InstalledTracer(double rate) {
    tracing::TracerOptions options;
    options.sample_rate = rate;
    tracing::install(std::make_shared<tracing::Tracer>(options, std::make_shared<RecordNothing>()));
  }
  ~InstalledTracer() { tracing::install(nullptr); }
};

TEST(StartCall, TheTracerDecidesNewTracesButFollowsTheCallersDecision) {
  {
    InstalledTracer always(1.0);
    EXPECT_TRUE(started().span.sampled());
    Inherited declined;
    declined.trace = TraceContext::root();
    declined.trace.setSampled(false);
    InheritedScope scope(declined);
    EXPECT_FALSE(started().span.sampled());  // upstream said no
  }
  {
    InstalledTracer never(0.0);
    EXPECT_TRUE(started().span.samplingKnown());
    EXPECT_FALSE(started().span.sampled());
    Inherited debug;
    debug.trace = TraceContext::root();
    debug.trace.flags = TraceContext::kDebug;
    InheritedScope scope(debug);
    EXPECT_TRUE(started().span.sampled());  // debug always records
  }
}

TEST(StartCall, ASampleRateSamplesAboutThatShare) {
  InstalledTracer tenth(0.1);
  int sampled = 0;
  for (int i = 0; i < 20000; ++i) sampled += started().span.sampled() ? 1 : 0;
  EXPECT_GT(sampled, 1600);  // 2000 expected; 10 standard deviations is about 420
  EXPECT_LT(sampled, 2400);
}

}  // namespace
}  // namespace scales

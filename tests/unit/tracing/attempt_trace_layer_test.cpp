// SPDX-License-Identifier: Apache-2.0
// The public endpoint_trace layer (scales/tracing/layers.h), for a stack built by hand: a sampled
// call's attempt goes down with a span of its own, a child of the call's, recorded when the
// attempt ends; an unsampled call goes down untouched.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>

#include "scales/tracing/layers.h"
#include "scales/tracing/tracer.h"

namespace scales::tracing {
namespace {
namespace asio = boost::asio;

class Keeping final : public Exporter {
 public:
  void exportSpans(const std::vector<Span>& spans) override {
    std::lock_guard lock(mutex_);
    kept_.insert(kept_.end(), spans.begin(), spans.end());
  }
  std::vector<Span> spans() {
    std::lock_guard lock(mutex_);
    return kept_;
  }

 private:
  std::mutex mutex_;
  std::vector<Span> kept_;
};

// Remembers the span each call carried down, and answers from the event loop.
class Below final : public RpcService {
 public:
  explicit Below(asio::io_context& io) : io_(io) {}
  void call(Request&& request, Handler&& handler) override {
    carried.push_back(request.span);
    asio::post(io_, [handler = std::move(handler)]() mutable { handler(nullptr, Response{}); });
  }
  std::vector<TraceContext> carried;

 private:
  asio::io_context& io_;
};

struct Installed {
  Installed() {
    TracerOptions options;
    options.flush_interval = std::chrono::hours(1);  // exports when flushed
    tracer = std::make_shared<Tracer>(options, exporter);
    install(tracer);
  }
  ~Installed() { install(nullptr); }
  std::shared_ptr<Keeping> exporter = std::make_shared<Keeping>();
  std::shared_ptr<Tracer> tracer;
};

TEST(AttemptTraceLayer, ASampledAttemptCarriesAndRecordsASpanOfItsOwn) {
  Installed installed;
  asio::io_context io;
  auto below = std::make_unique<Below>(io);
  auto* seen = below.get();
  auto layer = attemptTraceLayer(std::move(below), "10.0.0.1:9090");

  Request sampled;
  sampled.method = "get";
  sampled.span = TraceContext::root();
  sampled.span.setSampled(true);
  const TraceContext call_span = sampled.span;
  Request unsampled;
  unsampled.span = TraceContext::root();
  unsampled.span.setSampled(false);
  const TraceContext unsampled_span = unsampled.span;
  int done = 0;
  layer->call(std::move(sampled), [&](std::exception_ptr, Response) { ++done; });
  layer->call(std::move(unsampled), [&](std::exception_ptr, Response) { ++done; });
  io.run();
  ASSERT_EQ(done, 2);
  installed.tracer->flush();

  ASSERT_EQ(seen->carried.size(), 2u);
  const TraceContext attempt = seen->carried[0];
  EXPECT_EQ(attempt.trace_id, call_span.trace_id);
  EXPECT_EQ(attempt.parent_id, call_span.span_id);
  EXPECT_NE(attempt.span_id, call_span.span_id);
  EXPECT_EQ(seen->carried[1].span_id, unsampled_span.span_id);  // untouched

  auto spans = installed.exporter->spans();
  ASSERT_EQ(spans.size(), 1u);  // the sampled attempt's only
  EXPECT_EQ(spans[0].ids.span_id, attempt.span_id);
  EXPECT_EQ(spans[0].name, "get");
  EXPECT_EQ(spans[0].remote, "10.0.0.1:9090");
}

}  // namespace
}  // namespace scales::tracing

// SPDX-License-Identifier: Apache-2.0
// The tracer's queue (bounded, never waiting on an export, drops counted), its flush and stop.
#include "scales/tracing/tracer.h"

#include <gtest/gtest.h>

#include <future>

#include "scales/core/errors.h"

namespace scales::tracing {
namespace {
using namespace std::chrono_literals;

// Keeps what it is given; blocks while `hold` is set, to stand in for a slow collector.
class Keeping : public Exporter {
 public:
  void exportSpans(const std::vector<Span>& spans) override {
    {
      std::unique_lock lock(mutex_);
      ++calls_;
      entered_.notify_all();
      released_.wait(lock, [&] { return !hold_; });
      kept_.insert(kept_.end(), spans.begin(), spans.end());
    }
    if (fail_) throw std::runtime_error("collector down");
  }
  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    released_.notify_all();
  }
  void waitForCall() {
    std::unique_lock lock(mutex_);
    entered_.wait(lock, [&] { return calls_ > 0; });
  }
  size_t kept() {
    std::lock_guard lock(mutex_);
    return kept_.size();
  }
  std::vector<Span> spans() {
    std::lock_guard lock(mutex_);
    return kept_;
  }
  std::atomic<bool> fail_{false};

 private:
  std::mutex mutex_;
  std::condition_variable entered_, released_;
  bool hold_ = false;
  int calls_ = 0;
  std::vector<Span> kept_;
};

Span named(std::string name) {
  Span span;
  span.ids = TraceContext::root();
  span.name = std::move(name);
  return span;
}

TracerOptions small(metrics::Registry& registry) {
  TracerOptions options;
  options.queue_capacity = 10;
  options.max_batch = 4;
  options.flush_interval = 1h;  // exports only on full batches and flushes
  options.metrics = &registry;
  return options;
}

TEST(Tracer, FlushExportsEverythingQueued) {
  metrics::Registry registry;
  auto exporter = std::make_shared<Keeping>();
  Tracer tracer(small(registry), exporter);
  for (int i = 0; i < 3; ++i) tracer.record(named("s"));
  tracer.flush();
  EXPECT_EQ(exporter->kept(), 3u);
  EXPECT_EQ(tracer.exported(), 3);
  EXPECT_EQ(tracer.recorded(), 3);
}

TEST(Tracer, AStuckExporterNeverBlocksRecordingAndOverflowIsCounted) {
  metrics::Registry registry;
  auto exporter = std::make_shared<Keeping>();
  exporter->hold();
  Tracer tracer(small(registry), exporter);
  for (int i = 0; i < 4; ++i) tracer.record(named("batch"));  // a full batch: the thread takes it
  exporter->waitForCall();                                    // and is stuck in the export
  // Recording goes on without waiting: the queue fills to its capacity, then drops.
  auto recording = std::async(std::launch::async, [&] {
    for (int i = 0; i < 30; ++i) tracer.record(named("more"));
  });
  ASSERT_EQ(recording.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(tracer.dropped(), 20);
  EXPECT_EQ(tracer.recorded(), 14);
  exporter->release();
  tracer.flush();
  EXPECT_EQ(exporter->kept(), 14u);
}

TEST(Tracer, AFailedExportIsCountedAndTheTracerGoesOn) {
  metrics::Registry registry;
  auto exporter = std::make_shared<Keeping>();
  exporter->fail_ = true;
  Tracer tracer(small(registry), exporter);
  tracer.record(named("lost"));
  tracer.flush();
  EXPECT_EQ(tracer.exportFailures(), 1);
  exporter->fail_ = false;
  tracer.record(named("kept"));
  tracer.flush();
  EXPECT_EQ(tracer.exported(), 1);
}

TEST(Tracer, StopExportsWhatIsQueuedThenDrops) {
  metrics::Registry registry;
  auto exporter = std::make_shared<Keeping>();
  Tracer tracer(small(registry), exporter);
  tracer.record(named("queued"));
  tracer.stop();
  EXPECT_EQ(exporter->kept(), 1u);
  tracer.record(named("late"));
  EXPECT_EQ(tracer.dropped(), 1);
  tracer.flush();  // returns at once
}

// The client layers' records become spans on the tracer's thread: the error described, the
// counts as tags (zero counts left out), the shared name as client or endpoint, the service name
// filled in, and a later attempt annotated with its kind.
TEST(Tracer, ClientRecordsBecomeSpansWithTheirTagsAndError) {
  metrics::Registry registry;
  auto exporter = std::make_shared<Keeping>();
  auto options = small(registry);
  options.service_name = "checkout";
  Tracer tracer(options, exporter);

  ClientRecord call;
  call.ids = TraceContext::root();
  call.began = Clock::now();
  call.took = 2500us;
  call.method = "getUser";
  call.site = std::make_shared<const std::string>("users");
  call.error = std::make_exception_ptr(TimeoutError("call to getUser missed its deadline"));
  call.attempts = 3;
  call.retries = 2;
  call.ended_by = "deadline";
  call.notes = {{123, "scales.retry"}};
  ClientRecord attempt;
  attempt.ids = call.ids.child();
  attempt.began = call.began;
  attempt.method = "getUser";
  attempt.site = std::make_shared<const std::string>("127.0.0.1:9001");
  attempt.attempt = true;
  attempt.attempt_kind = AttemptKind::kRetry;
  tracer.record(std::move(call));
  tracer.record(std::move(attempt));
  tracer.flush();

  auto spans = exporter->spans();
  ASSERT_EQ(spans.size(), 2u);
  const Span& c = spans[0];
  EXPECT_EQ(c.name, "getUser");
  EXPECT_EQ(c.service, "checkout");
  EXPECT_EQ(c.duration_us, 2500);
  EXPECT_NE(c.error.find("TimeoutError"), std::string::npos) << c.error;
  std::vector<std::pair<std::string, std::string>> tags{{"scales.client", "users"},
                                                        {"scales.attempts", "3"},
                                                        {"scales.retries", "2"},
                                                        {"scales.ended_by", "deadline"}};
  EXPECT_EQ(c.tags, tags);
  ASSERT_EQ(c.annotations.size(), 1u);
  EXPECT_EQ(c.annotations[0].value, "scales.retry");
  EXPECT_TRUE(c.remote.empty());

  const Span& a = spans[1];
  EXPECT_EQ(a.remote, "127.0.0.1:9001");
  EXPECT_TRUE(a.error.empty());
  EXPECT_EQ(a.ids.parent_id, spans[0].ids.span_id);
  ASSERT_EQ(a.tags.size(), 1u);
  EXPECT_EQ(a.tags[0], (std::pair<std::string, std::string>{"scales.attempt", "retry"}));
  ASSERT_EQ(a.annotations.size(), 1u);
  EXPECT_EQ(a.annotations[0].value, "scales.retry");
  EXPECT_EQ(a.annotations[0].timestamp_us, a.start_us);
}

TEST(Tracer, OptionsAreChecked) {
  TracerOptions options;
  options.sample_rate = 1.5;
  EXPECT_THROW(Tracer(options, std::make_shared<Keeping>()), ConfigError);
  EXPECT_THROW(Tracer(TracerOptions{}, nullptr), ConfigError);
}

}  // namespace
}  // namespace scales::tracing

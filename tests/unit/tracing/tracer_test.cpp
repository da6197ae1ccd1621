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

TEST(Tracer, OptionsAreChecked) {
  TracerOptions options;
  options.sample_rate = 1.5;
  EXPECT_THROW(Tracer(options, std::make_shared<Keeping>()), ConfigError);
  EXPECT_THROW(Tracer(TracerOptions{}, nullptr), ConfigError);
}

}  // namespace
}  // namespace scales::tracing

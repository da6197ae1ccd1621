// SPDX-License-Identifier: Apache-2.0
// The process's tracer (docs/tracing.md): decides which new traces are sampled, takes finished
// spans into a bounded queue without ever waiting on an export (a full queue drops, counted), and
// hands them to an Exporter in batches from its own thread.
//
// Off until one is installed: scales::tracing::install(std::make_shared<Tracer>(options,
// std::make_shared<ZipkinExporter>("http://127.0.0.1:9411/api/v2/spans"))).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/metrics/metric.h"
#include "scales/metrics/registry.h"
#include "scales/tracing/client_record.h"
#include "scales/tracing/span.h"

namespace scales::tracing {

// Where spans go. Called from the tracer's thread only, one batch at a time; may block (it is
// the only thing on that thread) and may throw (counted as a failed export; the batch is lost).
class Exporter {
 public:
  virtual ~Exporter() = default;
  virtual void exportSpans(const std::vector<Span>& spans) = 0;
};

struct TracerOptions {
  // This process, as spans name it (Zipkin's localEndpoint.serviceName).
  std::string service_name = "scales";
  // The share of new traces (ones no caller decided for) that are recorded, 0..1. A caller's
  // decision (Mux flags, B3, traceparent) is followed, and the debug flag always records.
  double sample_rate = 0.001;
  // Spans waiting for export; beyond this, new spans are dropped (and counted).
  size_t queue_capacity = 10000;
  // Spans per export call; a full batch is exported at once, a partial one each flush_interval.
  size_t max_batch = 500;
  Duration flush_interval = std::chrono::seconds(1);
  // Where the tracer's counters go (tracing_spans_{recorded,dropped,exported},
  // tracing_export_failures); null: the default registry.
  metrics::Registry* metrics = nullptr;

  void validate() const;  // throws ConfigError
};

class Tracer {
 public:
  Tracer(TracerOptions options, std::shared_ptr<Exporter> exporter);
  // Exports what is queued, then stops its thread.
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  const TracerOptions& options() const { return options_; }
  // Whether a new trace is recorded (the sample rate).
  bool sample();
  // Queues a finished span; never waits on an export. A span without a service gets the
  // tracer's service_name.
  void record(Span span);
  // Queues a client layer's record; it becomes a Span on the tracer's thread (toSpan).
  void record(ClientRecord&& record);
  // Exports every span queued before the call, and returns when that is done.
  void flush();
  // Exports what is queued and stops; later spans are dropped. Idempotent.
  void stop();

  int64_t recorded() const { return recorded_->value(); }
  int64_t dropped() const { return dropped_->value(); }
  int64_t exported() const { return exported_->value(); }
  int64_t exportFailures() const { return failures_->value(); }

 private:
  using Queued = std::variant<Span, ClientRecord>;
  void enqueue(Queued&& item);
  void run();

  const TracerOptions options_;
  std::shared_ptr<Exporter> exporter_;
  std::shared_ptr<metrics::Counter> recorded_, dropped_, exported_, failures_;
  std::atomic<uint64_t> sample_below_;  // sample when a random id is below this

  std::mutex mutex_;
  std::condition_variable wake_;     // the thread: a full batch, a flush, or stop
  std::condition_variable flushed_;  // flush(): the thread finished a round
  std::vector<Queued> queue_;
  uint64_t flush_requested_ = 0;  // rounds asked for by flush()
  uint64_t rounds_done_ = 0;      // rounds the thread completed
  bool stopping_ = false;
  bool stopped_ = false;  // the thread has exported everything and ended
  std::thread thread_;
};

// Makes `tracer` the process's (null: tracing off) and returns the previous one. Spans are
// recorded on the installed tracer; a replaced tracer is stopped (its queue exported) but kept
// alive, as calls in flight may still hold it.
std::shared_ptr<Tracer> install(std::shared_ptr<Tracer> tracer);
namespace detail {
inline std::atomic<Tracer*> installed_tracer{nullptr};  // install() writes it
}  // namespace detail

// The installed tracer; null when tracing is off. One atomic load, inline: every call asks.
inline Tracer* current() { return detail::installed_tracer.load(std::memory_order_acquire); }

// Gives a span whose sampling nobody decided the installed tracer's decision (nothing when
// tracing is off: it stays undecided, and is not recorded).
inline void decideSampling(TraceContext& span) {
  if (Tracer* tracer = current()) span.setSampled(tracer->sample());
}

}  // namespace scales::tracing

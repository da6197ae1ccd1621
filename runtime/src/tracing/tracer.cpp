// SPDX-License-Identifier: Apache-2.0
#include "scales/tracing/tracer.h"

#include <chrono>
#include <cmath>

#include "scales/core/errors.h"
#include "scales/core/log.h"

namespace scales::tracing {

namespace {
// The wall clock at a moment of the monotonic clock: the closest-bracketed of a few readings, so
// a preemption while anchoring costs nothing.
struct Anchor {
  Clock::time_point steady;
  std::chrono::system_clock::time_point wall;
};

Anchor anchorClocks() {
  Anchor best{};
  Duration best_gap = Duration::max();
  for (int i = 0; i < 8; ++i) {
    auto before = Clock::now();
    auto wall = std::chrono::system_clock::now();
    auto after = Clock::now();
    if (after - before < best_gap) {
      best_gap = after - before;
      best = {before + (after - before) / 2, wall};
    }
  }
  return best;
}
}  // namespace

int64_t wallMicros(Clock::time_point at) {
  static const Anchor anchor = anchorClocks();
  auto wall = anchor.wall +
              std::chrono::duration_cast<std::chrono::system_clock::duration>(at - anchor.steady);
  return std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count();
}

void TracerOptions::validate() const {
  if (!(sample_rate >= 0.0 && sample_rate <= 1.0)) {
    throw ConfigError("tracer sample_rate must be within 0..1, not " + std::to_string(sample_rate));
  }
  if (queue_capacity == 0) throw ConfigError("tracer queue_capacity must be at least 1");
  if (max_batch == 0) throw ConfigError("tracer max_batch must be at least 1");
  if (flush_interval <= Duration::zero()) throw ConfigError("tracer flush_interval must be > 0");
}

namespace {
uint64_t threshold(double rate) {
  if (rate >= 1.0) return UINT64_MAX;
  return static_cast<uint64_t>(std::ldexp(rate, 64));
}
}  // namespace

Tracer::Tracer(TracerOptions options, std::shared_ptr<Exporter> exporter)
    : options_((options.validate(), std::move(options))),
      exporter_(std::move(exporter)),
      sample_below_(threshold(options_.sample_rate)) {
  if (!exporter_) throw ConfigError("a tracer needs an exporter");
  auto& registry = options_.metrics ? *options_.metrics : metrics::defaultRegistry();
  metrics::Labels labels{{"service", options_.service_name}};
  recorded_ = registry.counter("tracing_spans_recorded", labels);
  dropped_ = registry.counter("tracing_spans_dropped", labels);
  exported_ = registry.counter("tracing_spans_exported", labels);
  failures_ = registry.counter("tracing_export_failures", labels);
  queue_.reserve(std::min(options_.max_batch, options_.queue_capacity));
  thread_ = std::thread([this] { run(); });
}

Tracer::~Tracer() { stop(); }

bool Tracer::sample() {
  uint64_t below = sample_below_.load(std::memory_order_relaxed);
  return below == UINT64_MAX || randomId() < below;
}

void Tracer::record(Span span) { enqueue(std::move(span)); }

void Tracer::record(ClientRecord&& record) { enqueue(std::move(record)); }

void Tracer::enqueue(Queued&& item) {
  std::unique_lock lock(mutex_);
  if (stopping_ || queue_.size() >= options_.queue_capacity) {
    lock.unlock();
    dropped_->add();
    return;
  }
  queue_.push_back(std::move(item));
  bool full_batch = queue_.size() >= options_.max_batch;
  lock.unlock();
  recorded_->add();
  if (full_batch) wake_.notify_one();
}

void Tracer::flush() {
  std::unique_lock lock(mutex_);
  if (stopped_) return;
  uint64_t round = ++flush_requested_;
  wake_.notify_one();
  flushed_.wait(lock, [&] { return rounds_done_ >= round || stopped_; });
}

void Tracer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  exporter_.reset();  // its connections and threads go now; the tracer object may live on
  std::lock_guard lock(mutex_);
  stopped_ = true;
  flushed_.notify_all();
}

void Tracer::run() {
  std::vector<Queued> taken;
  std::vector<Span> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || queue_.size() >= options_.max_batch || flush_requested_ > rounds_done_;
    });
    uint64_t round = flush_requested_;
    // Everything queued is taken at once (recording never waits behind an export), then goes out
    // a batch at a time, before the round counts as done.
    while (!queue_.empty()) {
      taken.swap(queue_);
      lock.unlock();
      for (size_t at = 0; at < taken.size(); at += options_.max_batch) {
        size_t end = std::min(taken.size(), at + options_.max_batch);
        try {
          // Client records become spans here, off the calling threads.
          batch.clear();
          for (size_t i = at; i < end; ++i) {
            Span& span =
                batch.emplace_back(std::holds_alternative<Span>(taken[i])
                                       ? std::move(std::get<Span>(taken[i]))
                                       : toSpan(std::move(std::get<ClientRecord>(taken[i]))));
            if (span.service.empty()) span.service = options_.service_name;
          }
          exporter_->exportSpans(batch);
          exported_->add(static_cast<int64_t>(batch.size()));
        } catch (const std::exception& e) {
          failures_->add();
          logError(std::string("span export failed: ") + e.what());
        } catch (...) {
          failures_->add();
        }
      }
      taken.clear();
      lock.lock();
    }
    rounds_done_ = round;
    flushed_.notify_all();
    if (stopping_) return;
  }
}

namespace {
std::mutex install_mutex;
// Every tracer ever installed stays alive: a call that loaded the pointer may still record.
std::vector<std::shared_ptr<Tracer>>& keptAlive() {
  static auto* kept = new std::vector<std::shared_ptr<Tracer>>();
  return *kept;
}
std::shared_ptr<Tracer>& installedShared() {
  static auto* shared = new std::shared_ptr<Tracer>();
  return *shared;
}
}  // namespace

std::shared_ptr<Tracer> install(std::shared_ptr<Tracer> tracer) {
  std::lock_guard lock(install_mutex);
  if (tracer && tracer == installedShared()) return tracer;  // already installed: nothing changes
  auto previous = std::move(installedShared());
  if (tracer) keptAlive().push_back(tracer);
  installedShared() = tracer;
  detail::installed_tracer.store(tracer.get(), std::memory_order_release);
  if (previous) previous->stop();
  return previous;
}

}  // namespace scales::tracing

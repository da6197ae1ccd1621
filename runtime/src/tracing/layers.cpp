// SPDX-License-Identifier: Apache-2.0
#include "scales/tracing/layers.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "scales/core/call_memory.h"
#include "scales/core/call_trace.h"
#include "scales/tracing/tracer.h"

namespace scales::tracing {
namespace {
namespace asio = boost::asio;

// Sends the call on and records `span` when it completes, just before the handler runs; the
// handler's cancellation slot stays bound to the call.
template <class Finish>
void callRecorded(RpcService& next, Request&& request, RpcService::Handler&& handler,
                  Finish finish) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  next.call(std::move(request),
            asio::bind_cancellation_slot(
                slot, withCallMemory([finish = std::move(finish), handler = std::move(handler)](
                                         std::exception_ptr error, Response response) mutable {
                  finish(error);
                  handler(error, std::move(response));
                })));
}

Span started(const Request& request, Span::Kind kind, Clock::time_point began) {
  Span span;
  span.ids = request.span;
  span.kind = kind;
  span.name = request.method;
  span.start_us = wallMicros(began);
  return span;
}

void finished(Span& span, Clock::time_point began, const std::exception_ptr& error) {
  span.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began).count();
  if (error) span.error = describeError(error);
}

class CallTraceLayer final : public RpcFilter {
 public:
  CallTraceLayer(std::unique_ptr<RpcService> next, std::string client)
      : RpcFilter(std::move(next)), client_(std::move(client)) {}

  void call(Request&& request, Handler&& handler) override {
    Tracer* tracer = request.span.sampled() ? current() : nullptr;
    if (!tracer) return next().call(std::move(request), std::move(handler));
    if (!request.trace) request.trace = std::make_shared<CallTrace>();
    auto began = Clock::now();
    Span span = started(request, Span::Kind::kClient, began);
    span.tags.reserve(4);  // client, attempts, and usually no more: one allocation
    span.tags.emplace_back("scales.client", client_);
    auto trace = request.trace;
    callRecorded(next(), std::move(request), std::move(handler),
                 [tracer, span = std::move(span), trace = std::move(trace),
                  began](const std::exception_ptr& error) mutable {
                   finished(span, began, error);
                   int retries = 0, requeues = 0, backups = 0;
                   for (size_t i = 0; i < trace->size(); ++i) {
                     switch ((*trace)[i].kind) {
                       case AttemptKind::kRetry:
                         ++retries;
                         break;
                       case AttemptKind::kRequeue:
                         ++requeues;
                         break;
                       case AttemptKind::kBackup:
                         ++backups;
                         break;
                       case AttemptKind::kFirst:
                         break;
                     }
                   }
                   span.tags.emplace_back("scales.attempts", std::to_string(trace->size()));
                   if (retries) span.tags.emplace_back("scales.retries", std::to_string(retries));
                   if (requeues)
                     span.tags.emplace_back("scales.requeues", std::to_string(requeues));
                   if (backups) span.tags.emplace_back("scales.backups", std::to_string(backups));
                   if (!trace->endedBy().empty())
                     span.tags.emplace_back("scales.ended_by", trace->endedBy());
                   for (const auto& [at, what] : trace->notes())
                     span.annotations.push_back({at, what});
                   tracer->record(std::move(span));
                 });
  }

 private:
  std::string client_;
};

class AttemptTraceLayer final : public RpcFilter {
 public:
  AttemptTraceLayer(std::unique_ptr<RpcService> next, std::string endpoint)
      : RpcFilter(std::move(next)), endpoint_(std::move(endpoint)) {}

  void call(Request&& request, Handler&& handler) override {
    // A recorded attempt gets its own span, a child of the call's, and that is what the wire
    // carries, so the server's span hangs under the attempt (attempts of one call are siblings).
    // Unrecorded attempts go under the call's span: no id to draw per attempt.
    Tracer* tracer = request.span.sampled() ? current() : nullptr;
    if (!tracer) return next().call(std::move(request), std::move(handler));
    request.span = request.span.child();
    auto began = Clock::now();
    Span span = started(request, Span::Kind::kClient, began);
    span.remote = endpoint_;
    const char* kind = attemptKindName(request.attempt_kind);
    span.tags.emplace_back("scales.attempt", kind);
    if (request.attempt_kind != AttemptKind::kFirst) {
      span.annotations.push_back({span.start_us, noteFor(request.attempt_kind)});
      if (request.trace) request.trace->note(span.start_us, noteFor(request.attempt_kind));
    }
    callRecorded(next(), std::move(request), std::move(handler),
                 [tracer, span = std::move(span), began](const std::exception_ptr& error) mutable {
                   finished(span, began, error);
                   tracer->record(std::move(span));
                 });
  }

 private:
  static const char* noteFor(AttemptKind kind) {
    // Indexed by AttemptKind: kFirst, kRequeue, kRetry, kBackup.
    static constexpr const char* kNotes[] = {"scales.first", "scales.requeue", "scales.retry",
                                             "scales.backup"};
    return kNotes[static_cast<size_t>(kind)];
  }

  std::string endpoint_;
};

}  // namespace

std::unique_ptr<RpcService> callTraceLayer(std::unique_ptr<RpcService> next,
                                           std::string client_name) {
  return std::make_unique<CallTraceLayer>(std::move(next), std::move(client_name));
}

std::unique_ptr<RpcService> attemptTraceLayer(std::unique_ptr<RpcService> next,
                                              std::string endpoint) {
  return std::make_unique<AttemptTraceLayer>(std::move(next), std::move(endpoint));
}

}  // namespace scales::tracing

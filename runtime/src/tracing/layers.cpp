// SPDX-License-Identifier: Apache-2.0
#include "scales/tracing/layers.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include "attempt_span.h"
#include "scales/core/call_trace.h"
#include "scales/tracing/client_record.h"
#include "scales/tracing/tracer.h"

namespace scales::tracing {
namespace {
namespace asio = boost::asio;

// Sends the call on and runs `finish` when it completes, just before the handler; the handler's
// cancellation slot stays bound to the call.
template <class Finish>
void callRecorded(RpcService& next, Request&& request, RpcService::Handler&& handler,
                  Finish finish) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  next.call(
      std::move(request),
      asio::bind_cancellation_slot(slot, [finish = std::move(finish), handler = std::move(handler)](
                                             std::exception_ptr error, Response response) mutable {
        finish(error);
        handler(error, std::move(response));
      }));
}

// What a sampled call's thread does: capture ids, start, method and the layer's shared name,
// then, at the end, the outcome and counts. Spans are built on the tracer's thread (toSpan).
ClientRecord started(const Request& request, const std::shared_ptr<const std::string>& site) {
  ClientRecord record;
  record.ids = request.span;
  record.began = Clock::now();
  record.method = request.method;
  record.site = site;
  return record;
}

uint16_t saturated(size_t n) { return static_cast<uint16_t>(std::min<size_t>(n, UINT16_MAX)); }

class CallTraceLayer final : public RpcFilter {
 public:
  CallTraceLayer(std::unique_ptr<RpcService> next, std::string client)
      : RpcFilter(std::move(next)),
        client_(std::make_shared<const std::string>(std::move(client))) {}

  void call(Request&& request, Handler&& handler) override {
    Tracer* tracer = request.span.sampled() ? current() : nullptr;
    if (!tracer) return next().call(std::move(request), std::move(handler));
    if (!request.trace) request.trace = std::make_shared<CallTrace>();
    ClientRecord record = started(request, client_);
    auto trace = request.trace;
    callRecorded(next(), std::move(request), std::move(handler),
                 [tracer, record = std::move(record),
                  trace = std::move(trace)](const std::exception_ptr& error) mutable {
                   record.took = Clock::now() - record.began;
                   record.error = error;
                   // Read here, not on the tracer's thread: an attempt still out (a backup's
                   // loser) may yet write to the trace.
                   size_t retries = 0, requeues = 0, backups = 0;
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
                   record.attempts = saturated(trace->size());
                   record.retries = saturated(retries);
                   record.requeues = saturated(requeues);
                   record.backups = saturated(backups);
                   if (!trace->endedBy().empty()) record.ended_by = trace->endedBy();
                   if (!trace->notes().empty()) record.notes = trace->notes();
                   tracer->record(std::move(record));
                 });
  }

 private:
  std::shared_ptr<const std::string> client_;
};

class AttemptTraceLayer final : public RpcFilter {
 public:
  AttemptTraceLayer(std::unique_ptr<RpcService> next, std::string endpoint)
      : RpcFilter(std::move(next)),
        endpoint_(std::make_shared<const std::string>(std::move(endpoint))) {}

  void call(Request&& request, Handler&& handler) override {
    auto span = startAttemptSpan(request, endpoint_);
    if (!span) return next().call(std::move(request), std::move(handler));
    callRecorded(next(), std::move(request), std::move(handler),
                 [span = std::move(span)](const std::exception_ptr& error) {
                   finishAttemptSpan(*span, error);
                 });
  }

 private:
  std::shared_ptr<const std::string> endpoint_;
};

}  // namespace

std::unique_ptr<AttemptSpan> startAttemptSpan(Request& request,
                                              const std::shared_ptr<const std::string>& endpoint) {
  Tracer* tracer = request.span.sampled() ? current() : nullptr;
  if (!tracer) return nullptr;
  request.span = request.span.child();
  auto span = std::make_unique<AttemptSpan>(AttemptSpan{tracer, started(request, endpoint)});
  span->record.attempt = true;
  span->record.attempt_kind = request.attempt_kind;
  if (request.attempt_kind != AttemptKind::kFirst && request.trace) {
    request.trace->note(wallMicros(span->record.began), attemptNote(request.attempt_kind));
  }
  return span;
}

void finishAttemptSpan(AttemptSpan& span, const std::exception_ptr& error) {
  span.record.took = Clock::now() - span.record.began;
  span.record.error = error;
  span.tracer->record(std::move(span.record));
}

std::unique_ptr<RpcService> callTraceLayer(std::unique_ptr<RpcService> next,
                                           std::string client_name) {
  return std::make_unique<CallTraceLayer>(std::move(next), std::move(client_name));
}

std::unique_ptr<RpcService> attemptTraceLayer(std::unique_ptr<RpcService> next,
                                              std::string endpoint) {
  return std::make_unique<AttemptTraceLayer>(std::move(next), std::move(endpoint));
}

}  // namespace scales::tracing

// SPDX-License-Identifier: Apache-2.0
// Dispatcher: what a server hands each incoming Thrift message to. Generated
// `<Service>Dispatcher`s implement it; servers (framed today, Mux later) only move bytes.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "scales/core/deadline.h"
#include "scales/core/request.h"
#include "scales/core/trace_context.h"
#include "scales/metrics/metric.h"
#include "scales/transport/tls.h"

namespace scales::server {

// What the server and one call's handler share while the call is in flight: the server marks a
// call its caller gave up on (Mux Tdiscarded), so a handler still queued for a thread never runs.
class CallControl {
 public:
  // `skipped`: the server's count of handlers not run because the deadline had passed.
  explicit CallControl(metrics::Counter* skipped = nullptr) : skipped_(skipped) {}
  void discard() { discarded_.store(true, std::memory_order_relaxed); }
  bool discarded() const { return discarded_.load(std::memory_order_relaxed); }
  void countSkipped() const {
    if (skipped_) skipped_->add();
  }

 private:
  std::atomic<bool> discarded_{false};
  metrics::Counter* skipped_;
};

struct CallContext {
  // Where blocking (sync) handlers run, so they never stall the connection's event loop.
  boost::asio::any_io_executor blocking_executor;
  // The caller's deadline, when its protocol carries one (Mux); handlers read it through
  // scales::server::callDeadline().
  Deadline deadline;
  // Null when the protocol cannot say that a caller gave up (framed Thrift).
  std::shared_ptr<CallControl> control;
  // Who the caller's verified TLS certificate names; null in plaintext or without a client
  // certificate. Handlers read it through scales::server::peerIdentity().
  std::shared_ptr<const transport::PeerIdentity> peer{};
  // What the caller's protocol carried across the hop (Mux contexts; framed Thrift carries
  // none), made current for the handler as scales::inherited(): the server span of this call
  // (its outgoing calls become its children), the broadcast contexts to pass on, and how many
  // times the caller sent the call before.
  TraceContext trace{};
  Context broadcast{};
  uint32_t retries = 0;
};

namespace detail {
// Asked by generated dispatchers just before a handler starts (a sync handler, after waiting for
// a thread): null to run it, or the error to answer instead, because the caller discarded the
// call or its deadline passed. A call nobody waits for costs no handler time.
std::exception_ptr skipHandler(const CallContext& context);
}  // namespace detail

class Dispatcher {
 public:
  // Called once per message with the encoded reply, or with an empty string for oneway calls.
  // May be called from any thread; the server moves it back to the connection.
  using Responder = std::function<void(std::string reply)>;

  virtual ~Dispatcher() = default;
  // `message` is one whole Thrift message (no framing). Called on the connection's executor; MUST
  // NOT block. Every message gets exactly one respond() call, errors included (as
  // TApplicationException replies).
  virtual void dispatch(const CallContext& context, std::string message, Responder respond) = 0;
};

}  // namespace scales::server

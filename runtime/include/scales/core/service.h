// SPDX-License-Identifier: Apache-2.0
// Service and Filter: the one shape every layer of the client stack has (Finagle's Service and
// SimpleFilter). A layer is a Service that owns the next Service below it.
#pragma once

#include <exception>
#include <memory>

#include "scales/core/call_handler.h"
#include "scales/core/request.h"

namespace scales {

// Contract:
// - call() MUST be invoked on the stack's executor; implementations never block.
// - The handler is invoked exactly once, never inline inside call() (Asio's rule), with either a
//   null exception_ptr and the reply, or a typed error (scales/core/errors.h) and an empty reply.
//   Layers inside the stack invoke it on the stack's executor; the top layer (the deadline
//   filter) moves the caller's handler onto its associated executor.
// - The handler's associated cancellation slot, when connected, cancels the call: the layer
//   releases what it holds and completes with the error that caused the cancellation. There is
//   one slot for all the layers that merely pass cancellation on (a CallHandler reports the slot
//   of the handler it wraps as its own). A layer that assigns a handler to the slot clears it
//   before it passes the call down on that slot (as the concurrency limit's queue does) or
//   completes the call; one that acts on cancellation while the layers below hold the call
//   gives them a signal of its own (the deadline filter always, the retry filter with an attempt
//   timeout, the backup filter for its copies).
// - A CallHandler's associated allocator is the per-call cache (core/call_memory.h), whatever
//   the handler it wraps was bound to: the caller's allocator (which may be a blocked caller's
//   frame, client/use_blocking.h) serves only the caller's own wrapper, so nothing a layer makes
//   can outlive that frame.
template <class Req, class Rep>
class Service {
 public:
  using Handler = CallHandler<Rep>;

  virtual ~Service() = default;
  virtual void call(Req&& request, Handler&& handler) = 0;
  // Stops taking calls and releases connections. Every call still held fails: those queued with
  // UnavailableError, those already on a connection with the error its closing gives
  // (ConnectionError or CancelledError).
  virtual void close() {}
};

// A Service that does its part and forwards to the Service it owns.
template <class Req, class Rep>
class Filter : public Service<Req, Rep> {
 public:
  explicit Filter(std::unique_ptr<Service<Req, Rep>> next) : next_(std::move(next)) {}
  void close() override { next_->close(); }

 protected:
  Service<Req, Rep>& next() { return *next_; }

 private:
  std::unique_ptr<Service<Req, Rep>> next_;
};

using RpcService = Service<Request, Response>;
using RpcFilter = Filter<Request, Response>;

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// CallHandler<Rep>: the type-erased, one-shot completion handler every layer of the client stack
// passes down (Service::Handler): void(std::exception_ptr, Rep).
//
// Why not boost::asio::any_completion_handler: that one gives every wrapper a cancellation state
// of its own when the handler it wraps has a connected slot, installed (allocated) in that slot.
// The stack wraps the caller's handler once per layer, so a call carried a chain of about six
// such states, each allocated (about 45 bytes) and each a hop for a cancellation going down:
// about 290 bytes and 1,000 instructions per call in all (docs/benchmarks.md). A CallHandler
// reports the slot of the handler it wraps as its own, so every layer that only passes
// cancellation on shares the one slot; what a layer that assigns to the slot must do is in
// scales/core/service.h.
//
// Otherwise it behaves as any_completion_handler does: the wrapper's memory comes from the
// handler's associated allocator (the per-call cache, core/call_memory.h, when it has none), it
// is freed before the handler runs, and the associated executor is the wrapped handler's.
#pragma once

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "scales/core/call_memory.h"

namespace scales {

template <class Rep>
class CallHandler {
 public:
  using cancellation_slot_type = boost::asio::cancellation_slot;
  // What Asio's post and dispatch of this handler allocate from: the per-call cache, never the
  // wrapped handler's allocator (which may be a blocked caller's frame, client/use_blocking.h).
  using allocator_type = CallAllocator<void>;

  CallHandler() noexcept = default;
  CallHandler(std::nullptr_t) noexcept {}  // NOLINT: as any_completion_handler

  template <class H, class D = std::decay_t<H>>
  requires(!std::is_same_v<D, CallHandler> && std::is_invocable_v<D&, std::exception_ptr, Rep>)
      CallHandler(
          H&& handler)  // NOLINT: any completion handler converts, as to any_completion_handler
      : impl_(Model<D>::create(std::forward<H>(handler))) {}

  CallHandler(CallHandler&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}
  CallHandler& operator=(CallHandler&& other) noexcept {
    if (this != &other) {
      CallHandler old(std::move(*this));
      impl_ = std::exchange(other.impl_, nullptr);
    }
    return *this;
  }
  CallHandler& operator=(std::nullptr_t) noexcept {
    CallHandler old(std::move(*this));
    return *this;
  }
  ~CallHandler() {
    if (impl_) impl_->ops->destroy(impl_);
  }

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  friend bool operator==(const CallHandler& h, std::nullptr_t) noexcept { return !h; }

  // Runs the handler once; its wrapper is freed first, so the handler may start the next call.
  // The reply is taken by reference (every caller hands over a temporary or a moved reply): a
  // wrapped handler that takes it by value moves it once, one that takes Rep&& not at all.
  void operator()(std::exception_ptr error, Rep&& reply) {
    Impl* impl = std::exchange(impl_, nullptr);
    if (impl == nullptr) throw std::bad_function_call();
    impl->ops->call(impl, error, reply);
  }

  // The wrapped handler's slot itself (unconnected for an empty handler).
  cancellation_slot_type get_cancellation_slot() const noexcept {
    return impl_ ? impl_->slot : cancellation_slot_type();
  }
  allocator_type get_allocator() const noexcept { return {}; }

  // Whether the wrapped handler has an associated executor of its own: when it has none, the
  // stack may run it wherever the call completes, without building and comparing executors.
  bool hasOwnExecutor() const noexcept { return impl_ != nullptr && impl_->ops->own_executor; }

  // The wrapped handler's associated executor, or `candidate` (what Asio's associator asks).
  boost::asio::any_completion_executor executor(
      const boost::asio::any_completion_executor& candidate) const noexcept {
    return impl_ ? impl_->ops->executor(impl_, candidate) : candidate;
  }

 private:
  struct Impl;
  struct Ops {
    // By reference: the reply is moved once per layer, into the handler's own parameter.
    void (*call)(Impl*, std::exception_ptr&, Rep&);
    void (*destroy)(Impl*);
    boost::asio::any_completion_executor (*executor)(const Impl*,
                                                     const boost::asio::any_completion_executor&);
    bool own_executor;
  };
  // Stands in for the candidate executor: a handler without an executor of its own (through
  // every binder and associator) reports this very type back.
  struct NoExecutor {};
  struct Impl {
    const Ops* ops;
    cancellation_slot_type slot;
  };

  template <class H>
  struct Model final : Impl {
    using Allocator = typename std::allocator_traits<
        boost::asio::associated_allocator_t<H, CallAllocator<void>>>::template rebind_alloc<Model>;

    explicit Model(H&& h)
        : Impl{&kOps, boost::asio::get_associated_cancellation_slot(h)}, handler(std::move(h)) {}

    static Impl* create(H handler) {
      Allocator alloc(boost::asio::get_associated_allocator(handler, CallAllocator<void>()));
      Model* p = std::allocator_traits<Allocator>::allocate(alloc, 1);
      try {
        return ::new (static_cast<void*>(p)) Model(std::move(handler));
      } catch (...) {
        std::allocator_traits<Allocator>::deallocate(alloc, p, 1);
        throw;
      }
    }

    static void call(Impl* impl, std::exception_ptr& error, Rep& reply) {
      auto* self = static_cast<Model*>(impl);
      // The model is freed once the handler is out of it (even if moving it out throws), with
      // the allocator taken before the move.
      H handler = [self] {
        struct Release {
          Model* model;
          Allocator alloc;
          ~Release() {
            model->~Model();
            std::allocator_traits<Allocator>::deallocate(alloc, model, 1);
          }
        } release{self, Allocator(boost::asio::get_associated_allocator(self->handler,
                                                                        CallAllocator<void>()))};
        return H(std::move(self->handler));
      }();
      std::move(handler)(std::move(error), std::move(reply));
    }
    static void destroy(Impl* impl) {
      auto* self = static_cast<Model*>(impl);
      Allocator alloc(boost::asio::get_associated_allocator(self->handler, CallAllocator<void>()));
      self->~Model();
      std::allocator_traits<Allocator>::deallocate(alloc, self, 1);
    }
    static boost::asio::any_completion_executor executor(
        const Impl* impl, const boost::asio::any_completion_executor& candidate) {
      return boost::asio::any_completion_executor(
          std::nothrow, boost::asio::get_associated_executor(
                            static_cast<const Model*>(impl)->handler, candidate));
    }
    static constexpr Ops kOps{
        &Model::call, &Model::destroy, &Model::executor,
        !std::is_same_v<boost::asio::associated_executor_t<H, NoExecutor>, NoExecutor>};

    H handler;
  };

  Impl* impl_ = nullptr;
};

}  // namespace scales

namespace boost::asio {

template <class Rep, class Candidate>
struct associated_executor<scales::CallHandler<Rep>, Candidate> {
  using type = any_completion_executor;
  static type get(const scales::CallHandler<Rep>& handler,
                  const Candidate& candidate = Candidate()) noexcept {
    return handler.executor(any_completion_executor(std::nothrow, candidate));
  }
};

}  // namespace boost::asio

// SPDX-License-Identifier: Apache-2.0
// The bridge between a generated stub method and ThriftClient: one async operation that accepts
// any Asio completion token (callback, use_future, use_awaitable, deferred) and completes with
// (std::exception_ptr, T) — or (std::exception_ptr) for void — after decoding the reply.
#pragma once

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "scales/thrift/client.h"

namespace scales::thrift {
namespace detail {

template <class T>
struct Signature {
  using type = void(std::exception_ptr, T);
};
template <>
struct Signature<void> {
  using type = void(std::exception_ptr);
};

// Decodes the reply, then completes the caller's handler. Exposes the caller's associated
// executor, allocator and cancellation slot, so the stack completes and cancels where the caller
// expects.
template <class T, class Handler, class Decode>
class DecodingHandler {
 public:
  DecodingHandler(Handler handler, Decode decode)
      : handler_(std::move(handler)), decode_(std::move(decode)) {}

  using executor_type = boost::asio::associated_executor_t<Handler>;
  executor_type get_executor() const noexcept {
    return boost::asio::get_associated_executor(handler_);
  }
  using allocator_type = boost::asio::associated_allocator_t<Handler>;
  allocator_type get_allocator() const noexcept {
    return boost::asio::get_associated_allocator(handler_);
  }
  using cancellation_slot_type = boost::asio::associated_cancellation_slot_t<Handler>;
  cancellation_slot_type get_cancellation_slot() const noexcept {
    return boost::asio::get_associated_cancellation_slot(handler_);
  }

  void operator()(std::exception_ptr error, Response response) {
    if constexpr (std::is_void_v<T>) {
      if (!error) {
        try {
          decode_(response);
        } catch (...) {
          error = std::current_exception();
        }
      }
      std::move(handler_)(error);
    } else {
      if (error) return std::move(handler_)(error, T{});
      T value{};
      try {
        value = decode_(response);
      } catch (...) {
        return std::move(handler_)(std::current_exception(), T{});
      }
      std::move(handler_)(nullptr, std::move(value));
    }
  }

 private:
  Handler handler_;
  Decode decode_;
};

}  // namespace detail

// `decode` maps the reply payload to T or throws (declared exception, ApplicationError,
// ProtocolError). For oneway calls it is never given a payload to read.
template <class T, class Decode, class CompletionToken>
auto asyncInvoke(std::shared_ptr<ThriftClient> client, Request request, Decode decode,
                 CompletionToken&& token) {
  using Sig = typename detail::Signature<T>::type;
  return boost::asio::async_initiate<CompletionToken, Sig>(
      [](auto handler, std::shared_ptr<ThriftClient> target, Request call, Decode decoder) {
        using H = std::decay_t<decltype(handler)>;
        target->asyncCall(std::move(call), detail::DecodingHandler<T, H, Decode>(
                                               std::move(handler), std::move(decoder)));
      },
      token, std::move(client), std::move(request), std::move(decode));
}

}  // namespace scales::thrift

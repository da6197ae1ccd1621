// SPDX-License-Identifier: Apache-2.0
// The bridge between a client's typed call and its Channel: one async operation that accepts any
// Asio completion token (callback, use_future, use_awaitable, deferred) and completes with
// (std::exception_ptr, T) — or (std::exception_ptr) for void — after decoding the reply. Every
// protocol client (generated Thrift stubs, HTTP, Redis, Kafka) calls through it.
#pragma once

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "scales/core/log.h"
#include "scales/core/service.h"

namespace scales::client {
namespace detail {

template <class T>
struct Signature {
  using type = void(std::exception_ptr, T);
};
template <>
struct Signature<void> {
  using type = void(std::exception_ptr);
};

// Decodes the reply, then completes the caller's handler. Every Asio associator (executor,
// allocator, cancellation slot) is forwarded to the caller's handler, defaults included: a plain
// callback has no executor of its own and so runs on the client's, without an extra hop.
template <class T, class Handler, class Decode>
class DecodingHandler {
 public:
  DecodingHandler(Handler handler, Decode decode)
      : handler_(std::move(handler)), decode_(std::move(decode)) {}

  const Handler& inner() const noexcept { return handler_; }

  // A caller's handler that throws (a plain callback, say) has nobody above it to catch: the
  // exception is logged and counted (scales::escapedExceptions()), and the client goes on.
  void operator()(std::exception_ptr error, Response response) {
    try {
      complete(error, std::move(response));
    } catch (...) {
      logEscaped("a caller's completion handler");
    }
  }

 private:
  void complete(std::exception_ptr error, Response response) {
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

  Handler handler_;
  Decode decode_;
};

}  // namespace detail
}  // namespace scales::client

namespace boost::asio {
template <template <typename, typename> class Associator, class T, class Handler, class Decode,
          class DefaultCandidate>
struct associator<Associator, scales::client::detail::DecodingHandler<T, Handler, Decode>,
                  DefaultCandidate> : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(
      const scales::client::detail::DecodingHandler<T, Handler, Decode>& h) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.inner());
  }
  static auto get(const scales::client::detail::DecodingHandler<T, Handler, Decode>& h,
                  const DefaultCandidate& c) noexcept
      -> decltype(Associator<Handler, DefaultCandidate>::get(h.inner(), c)) {
    return Associator<Handler, DefaultCandidate>::get(h.inner(), c);
  }
};
}  // namespace boost::asio

namespace scales::client {

// `send(Request&&, RpcService::Handler&&)` starts the call (Channel::send, or a client's own
// preparation in front of it); `decode` maps the reply to T or throws (a declared exception,
// ApplicationError, ProtocolError). For oneway calls it is never given a payload to read.
// The request goes down by reference, not by value: taken by value at each step it was moved
// five times before the stack (about 180 instructions each, moved-from destructor included).
// Tokens that start the operation later (deferred, use_awaitable) keep their own copy of it.
template <class T, class Send, class Decode, class CompletionToken>
auto asyncInvoke(Send send, Request&& request, Decode decode, CompletionToken&& token) {
  using Sig = typename detail::Signature<T>::type;
  return boost::asio::async_initiate<CompletionToken, Sig>(
      [](auto handler, Send sender, auto&& call, Decode decoder) {
        using H = std::decay_t<decltype(handler)>;
        detail::DecodingHandler<T, H, Decode> decoding(std::move(handler), std::move(decoder));
        if constexpr (std::is_same_v<decltype(call), Request&&>) {
          sender(std::move(call), std::move(decoding));
        } else {
          // A deferred operation kept in a variable and launched from it (`op(token)`, not
          // `std::move(op)(token)`) may be launched again: each launch sends its own copy.
          sender(Request(call), std::move(decoding));
        }
      },
      token, std::move(send), std::move(request), std::move(decode));
}

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
// Reply<T>: how an async handler answers one call. Call it with the value, or fail() with an
// exception (a declared IDL exception reaches the client as itself; anything else as a
// TApplicationException). A Reply dropped unanswered answers INTERNAL_ERROR, so no client waits
// forever. The first answer wins; later ones are ignored.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "scales/core/errors.h"

namespace scales::server {

namespace detail {
template <class T>
struct ReplyFn {
  using type = std::function<void(std::exception_ptr, T*)>;
};
template <>
struct ReplyFn<void> {
  using type = std::function<void(std::exception_ptr)>;
};

// Shared by the Reply and its Guard; whoever lets go last answers a call nobody answered.
template <class T>
struct ReplyState {
  typename ReplyFn<T>::type complete;
  std::atomic<bool> answered{false};

  ~ReplyState() {
    if (answered.load()) return;  // the usual case: no error to build
    fail(std::make_exception_ptr(
        ApplicationError(ApplicationError::Type::kInternalError, "handler dropped the reply")));
  }

  void fail(std::exception_ptr error) {
    if (answered.exchange(true)) return;
    if constexpr (std::is_void_v<T>) {
      complete(error);
    } else {
      complete(error, nullptr);
    }
  }
};
}  // namespace detail

template <class T>
class Reply {
 public:
  using Complete = typename detail::ReplyFn<T>::type;

  // Lets the dispatcher answer with the exception a handler throws after taking the Reply.
  class Guard {
   public:
    void fail(std::exception_ptr error) { state_->fail(error); }

   private:
    friend class Reply;
    explicit Guard(std::shared_ptr<detail::ReplyState<T>> state) : state_(std::move(state)) {}
    std::shared_ptr<detail::ReplyState<T>> state_;
  };

  explicit Reply(Complete complete) : state_(std::make_shared<detail::ReplyState<T>>()) {
    state_->complete = std::move(complete);
  }
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  void operator()(U value) {
    if (state_ && !state_->answered.exchange(true)) state_->complete(nullptr, &value);
  }
  template <class U = T, class = std::enable_if_t<std::is_void_v<U>>>
  void operator()() {
    if (state_ && !state_->answered.exchange(true)) state_->complete(nullptr);
  }
  void fail(std::exception_ptr error) {
    if (state_) state_->fail(error);
  }

  Guard guard() const { return Guard(state_); }

 private:
  std::shared_ptr<detail::ReplyState<T>> state_;
};

}  // namespace scales::server

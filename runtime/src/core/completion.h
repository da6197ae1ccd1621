// SPDX-License-Identifier: Apache-2.0
// Completing a caller's handler the Asio way: on the handler's associated executor (falling back to
// the stack's), so callbacks, futures, coroutines and strands each resume where they expect.
#pragma once

#include <boost/asio/append.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <utility>

namespace scales {

// Use when already off the initiating call (e.g. from an I/O completion). Asio's dispatch runs
// the handler on its associated executor, or on `fallback` for handlers with none.
template <class Executor, class Handler, class... Args>
void completeDispatch(const Executor& fallback, Handler&& handler, Args&&... args) {
  boost::asio::dispatch(
      fallback, boost::asio::append(std::forward<Handler>(handler), std::forward<Args>(args)...));
}

// Use when completing from inside the initiating call: never runs the handler inline.
template <class Executor, class Handler, class... Args>
void completePost(const Executor& fallback, Handler&& handler, Args&&... args) {
  boost::asio::post(
      fallback, boost::asio::append(std::forward<Handler>(handler), std::forward<Args>(args)...));
}

}  // namespace scales

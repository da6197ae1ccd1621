// SPDX-License-Identifier: Apache-2.0
// Dispatcher: what a server hands each incoming Thrift message to. Generated
// `<Service>Dispatcher`s implement it; servers (framed today, Mux later) only move bytes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <string>

#include "scales/core/deadline.h"

namespace scales::server {

struct CallContext {
  // Where blocking (sync) handlers run, so they never stall the connection's event loop.
  boost::asio::any_io_executor blocking_executor;
  // The caller's deadline, when its protocol carries one (Mux); handlers read it through
  // scales::server::callDeadline().
  Deadline deadline;
};

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

// SPDX-License-Identifier: Apache-2.0
// The typed errors every layer reports to callers. Declared IDL exceptions reach callers as
// themselves; everything the stack itself decides is one of these.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include "scales/core/call_trace.h"

namespace scales {

// Base of every error the runtime raises. An error that ends a call carries the call's attempt
// trace (scales/core/call_trace.h), appended to what() so that one log line tells the story.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;

  const char* what() const noexcept override {
    return traced_ ? traced_->c_str() : std::runtime_error::what();
  }
  // The message without the trace.
  const char* message() const noexcept { return std::runtime_error::what(); }
  // The attempts behind this error; null for errors that did not end a call.
  const CallTrace* trace() const noexcept { return trace_.get(); }

  // A copy of this error, of the same type, carrying `trace`. (A copy, because one error object
  // may be shared by several calls, e.g. every call queued on a connection that failed.)
  virtual std::exception_ptr withTrace(std::shared_ptr<const CallTrace> trace) const {
    return traced(*this, std::move(trace));
  }

 protected:
  template <class E>
  static std::exception_ptr traced(const E& error, std::shared_ptr<const CallTrace> trace) {
    E copy(error);
    copy.traced_ =
        std::make_shared<const std::string>(std::string(error.message()) + " " + trace->render());
    copy.trace_ = std::move(trace);
    return std::make_exception_ptr(std::move(copy));
  }

 private:
  std::shared_ptr<const CallTrace> trace_;
  std::shared_ptr<const std::string> traced_;
};

// Declares withTrace() for an Error subclass, so that a traced copy keeps its type.
#define SCALES_TRACEABLE(Type)                                                          \
  std::exception_ptr withTrace(std::shared_ptr<const CallTrace> trace) const override { \
    return traced(*this, std::move(trace));                                             \
  }

// A configuration mistake (bad URI, unknown scheme or policy, bad option), raised at construction.
class ConfigError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(ConfigError)
};

// The API was used in a way that cannot work (e.g. a sync call on the client's own thread).
class UsageError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(UsageError)
};

// The deadline or a per-request timeout passed before a reply arrived.
class TimeoutError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(TimeoutError)
};

// The call was cancelled by its caller.
class CancelledError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(CancelledError)
};

// No endpoint can take the call (empty endpoint set, all nodes down, client closed).
class UnavailableError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(UnavailableError)
};

// A limit refused the call (queue full, budget spent, concurrency limit).
class RejectedError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(RejectedError)
};

// The server refused the call without processing it (a Mux NACK, or a connection it is
// draining): safe to send to another endpoint.
class NackError : public RejectedError {
 public:
  using RejectedError::RejectedError;
  SCALES_TRACEABLE(NackError)
};

// The connection could not be opened or broke while the call was on it.
class ConnectionError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(ConnectionError)
};

// The connection could not be opened: the call never left this process, so another endpoint may
// take it (the requeue filter does).
class ConnectFailedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
  SCALES_TRACEABLE(ConnectFailedError)
};

// The peer sent bytes that do not decode (bad frame, bad message, oversized frame).
class ProtocolError : public Error {
 public:
  using Error::Error;
  SCALES_TRACEABLE(ProtocolError)
};

// The server answered with a Thrift TApplicationException.
class ApplicationError : public Error {
 public:
  // Values of TApplicationException::TApplicationExceptionType.
  enum class Type : int32_t {
    kUnknown = 0,
    kUnknownMethod = 1,
    kInvalidMessageType = 2,
    kWrongMethodName = 3,
    kBadSequenceId = 4,
    kMissingResult = 5,
    kInternalError = 6,
    kProtocolError = 7,
    kInvalidTransform = 8,
    kInvalidProtocol = 9,
    kUnsupportedClientType = 10,
  };

  ApplicationError(Type type, const std::string& message)
      : Error(message.empty() ? "application error" : message), type_(type) {}

  Type type() const { return type_; }
  SCALES_TRACEABLE(ApplicationError)

 private:
  Type type_;
};

// What the exception in `error` says (its what()), for messages built from an error.
inline std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace scales

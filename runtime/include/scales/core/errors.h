// SPDX-License-Identifier: Apache-2.0
// The typed errors every layer reports to callers. Declared IDL exceptions reach callers as
// themselves; everything the stack itself decides is one of these.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace scales {

// Base of every error the runtime raises.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration mistake (bad URI, unknown scheme or policy, bad option), raised at construction.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// The API was used in a way that cannot work (e.g. a sync call on the client's own thread).
class UsageError : public Error {
 public:
  using Error::Error;
};

// The deadline or a per-request timeout passed before a reply arrived.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// The call was cancelled by its caller.
class CancelledError : public Error {
 public:
  using Error::Error;
};

// No endpoint can take the call (empty endpoint set, all nodes down, client closed).
class UnavailableError : public Error {
 public:
  using Error::Error;
};

// A limit refused the call (queue full, budget spent, concurrency limit).
class RejectedError : public Error {
 public:
  using Error::Error;
};

// The server refused the call without processing it (a Mux NACK, or a connection it is
// draining): safe to send to another endpoint.
class NackError : public RejectedError {
 public:
  using RejectedError::RejectedError;
};

// The connection could not be opened or broke while the call was on it.
class ConnectionError : public Error {
 public:
  using Error::Error;
};

// The connection could not be opened: the call never left this process, so another endpoint may
// take it (the requeue filter does).
class ConnectFailedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

// The peer sent bytes that do not decode (bad frame, bad message, oversized frame).
class ProtocolError : public Error {
 public:
  using Error::Error;
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

 private:
  Type type_;
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// One function of an IDL read at run time, called through a ThriftClient (any scales URI, any
// transport and protocol): the JSON arguments are encoded once, and each call decodes its reply
// into JSON, or into the declared exception it carried.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "codec/json_values.h"
#include "scales/core/call_trace.h"
#include "scales/thrift/client.h"
#include "schema/schema.h"

namespace scales::call {

struct CallOutcome {
  enum class Kind { kReturned, kDeclaredException, kFailed };
  Kind kind = Kind::kFailed;
  Json value;                  // the return value (null for void and oneway), or the exception's
  std::string exception_type;  // kDeclaredException: the type's qualified name
  std::exception_ptr error;    // kFailed: what the stack or the server said
  // Where the call's last attempt went ("" when none did).
  std::string endpoint;
  // Every attempt, as they stood when the call completed (only when asked for: a copy, since
  // the layers below may still record into the call's own trace after it completed).
  std::shared_ptr<const CallTrace> trace;
  // The error's type ("TimeoutError") or the declared exception's; empty when it returned.
  std::string failureType() const;
};

class DynamicCall {
 public:
  // Encodes `args` for the client's protocol; throws JsonInputError naming the first wrong value.
  DynamicCall(std::shared_ptr<thrift::ThriftClient> client, const Schema& schema,
              const FunctionDef& function, const Json& args);

  // Sends one call; `done` runs on the client's event loop. `keep_trace`: the outcome carries a
  // copy of the call's trace.
  void start(std::function<void(CallOutcome)> done, bool keep_trace = false) const;
  // Sends one call and waits for it (not on the client's own loop).
  CallOutcome call(bool keep_trace = false) const;

  const FunctionDef& function() const { return function_; }
  thrift::ThriftClient& client() const { return *client_; }

 private:
  CallOutcome decode(std::exception_ptr error, const Response& response) const;

  std::shared_ptr<thrift::ThriftClient> client_;
  const Schema& schema_;
  const FunctionDef& function_;
  std::string payload_;
};

}  // namespace scales::call

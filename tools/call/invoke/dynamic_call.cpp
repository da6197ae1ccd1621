// SPDX-License-Identifier: Apache-2.0
#include "invoke/dynamic_call.h"

#include <future>

#include "codec/json_to_thrift.h"
#include "codec/thrift_to_json.h"
#include "scales/core/errors.h"
#include "scales/thrift/codec.h"

namespace scales::call {

std::string CallOutcome::failureType() const {
  switch (kind) {
    case Kind::kReturned:
      return "";
    case Kind::kDeclaredException:
      return exception_type;
    case Kind::kFailed:
      break;
  }
  return errorTypeName(error);
}

DynamicCall::DynamicCall(std::shared_ptr<thrift::ThriftClient> client, const Schema& schema,
                         const FunctionDef& function, const Json& args)
    : client_(std::move(client)), schema_(schema), function_(function) {
  // As generated stubs do: a server answers a T_CALL it refuses even for a oneway function,
  // which a oneway caller never reads.
  payload_ = thrift::encodeMessage(
      client_->protocol(), function.name,
      function.oneway ? apache::thrift::protocol::T_ONEWAY : apache::thrift::protocol::T_CALL, 0,
      JsonArgs{schema, function, args});
}

void DynamicCall::start(std::function<void(CallOutcome)> done, bool keep_trace) const {
  Request request;
  request.method = function_.name;
  request.payload = payload_;
  request.oneway = function_.oneway;
  auto trace = std::make_shared<CallTrace>();
  request.trace = trace;
  client_->asyncCall(std::move(request), [this, trace, keep_trace, done = std::move(done)](
                                             std::exception_ptr error, Response response) {
    CallOutcome outcome = decode(error, response);
    if (!trace->empty()) outcome.endpoint = (*trace)[trace->size() - 1].endpoint;
    if (keep_trace) outcome.trace = std::make_shared<const CallTrace>(*trace);
    done(std::move(outcome));
  });
}

CallOutcome DynamicCall::call(bool keep_trace) const {
  client_->checkMayBlock(function_.name);
  std::promise<CallOutcome> outcome;
  start([&outcome](CallOutcome o) { outcome.set_value(std::move(o)); }, keep_trace);
  return outcome.get_future().get();
}

CallOutcome DynamicCall::decode(std::exception_ptr error, const Response& response) const {
  CallOutcome out;
  if (error) {
    out.error = error;
    return out;
  }
  if (function_.oneway) {
    out.kind = CallOutcome::Kind::kReturned;
    return out;
  }
  try {
    JsonResult result{schema_, function_};
    thrift::decodeMessage(client_->protocol(), response.payload, result);
    if (result.exception) {
      out.kind = CallOutcome::Kind::kDeclaredException;
      out.exception_type = result.exception->first;
      out.value = std::move(result.exception->second);
    } else if (result.returned) {
      out.kind = CallOutcome::Kind::kReturned;
      out.value = std::move(result.value);
    } else {
      throw ApplicationError(ApplicationError::Type::kMissingResult,
                             function_.name + " failed: unknown result");
    }
  } catch (...) {
    out.error = std::current_exception();
  }
  return out;
}

}  // namespace scales::call

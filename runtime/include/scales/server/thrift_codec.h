// SPDX-License-Identifier: Apache-2.0
// The server half of the Thrift codec, shared by every generated dispatcher: reading the call
// header, decoding arguments, and turning failures into TApplicationException replies.
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "scales/server/dispatcher.h"
#include "scales/thrift/codec.h"

namespace scales::server {
using thrift::MessageHeader;

// The call's header, or nullopt after answering a message that is not a call.
std::optional<MessageHeader> readCallHeader(const std::string& message,
                                            const Dispatcher::Responder& respond);

void respondUnknownMethod(const MessageHeader& call, const Dispatcher::Responder& respond);

// Decodes the arguments; on malformed input answers PROTOCOL_ERROR and returns false.
template <class Args>
bool decodeArgs(const MessageHeader& call, const std::string& message, Args& args,
                const Dispatcher::Responder& respond) {
  try {
    thrift::decodeMessage(call.protocol, message, args);
    return true;
  } catch (const std::exception& e) {
    if (call.type == apache::thrift::protocol::T_ONEWAY) {
      respond(std::string());
    } else {
      respond(thrift::encodeApplicationException(call, ApplicationError::Type::kProtocolError,
                                                 e.what()));
    }
    return false;
  }
}

// The reply for an exception the IDL does not declare: ApplicationError keeps its type, anything
// else is INTERNAL_ERROR with the exception's text.
std::string encodeHandlerFailure(const MessageHeader& call, std::exception_ptr error);

}  // namespace scales::server

// SPDX-License-Identifier: Apache-2.0
#include "scales/server/thrift_codec.h"

namespace scales::server {
using thrift::MessageHeader;
namespace tp = apache::thrift::protocol;

std::optional<MessageHeader> readCallHeader(const std::string& message,
                                            const Dispatcher::Responder& respond) {
  MessageHeader header;
  try {
    header = thrift::peekMessage(message);
  } catch (const std::exception& e) {
    respond(thrift::encodeApplicationException(header, ApplicationError::Type::kProtocolError,
                                               e.what()));
    return std::nullopt;
  }
  if (header.type != tp::T_CALL && header.type != tp::T_ONEWAY) {
    respond(thrift::encodeApplicationException(
        header, ApplicationError::Type::kInvalidMessageType,
        "expected a call, got message type " + std::to_string(static_cast<int>(header.type))));
    return std::nullopt;
  }
  return header;
}

void respondUnknownMethod(const MessageHeader& call, const Dispatcher::Responder& respond) {
  if (call.type == tp::T_ONEWAY) return respond(std::string());
  respond(thrift::encodeApplicationException(call, ApplicationError::Type::kUnknownMethod,
                                             "Invalid method name: '" + call.name + "'"));
}

std::string encodeHandlerFailure(const MessageHeader& call, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApplicationError& e) {
    return thrift::encodeApplicationException(call, e.type(), e.what());
  } catch (const std::exception& e) {
    return thrift::encodeApplicationException(call, ApplicationError::Type::kInternalError,
                                              e.what());
  } catch (...) {
    return thrift::encodeApplicationException(call, ApplicationError::Type::kInternalError,
                                              "handler threw a non-std exception");
  }
}

}  // namespace scales::server

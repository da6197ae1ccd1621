// SPDX-License-Identifier: Apache-2.0
// Encoding and decoding whole Thrift messages (header + struct) with Apache Thrift's own protocol
// classes, templated on a memory buffer so that no virtual call sits on the per-field path.
// Generated stubs and dispatchers call these; every decode error becomes a ProtocolError.
#pragma once

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "scales/core/errors.h"
#include "scales/core/request.h"
#include "scales/thrift/message.h"
#include "scales/thrift/options.h"

namespace scales::thrift {

namespace detail {
using Buffer = apache::thrift::transport::TMemoryBuffer;
using BinaryWriter = apache::thrift::protocol::TBinaryProtocolT<Buffer>;
using CompactWriter = apache::thrift::protocol::TCompactProtocolT<Buffer>;

std::shared_ptr<Buffer> writeBuffer();
std::shared_ptr<Buffer> readBuffer(std::string_view bytes);
std::string takeBytes(Buffer& buffer);
[[noreturn]] void rethrowAsProtocolError(std::string_view what);

template <class Proto, class Body>
std::string encodeWith(std::string_view name, TMessageType type, int32_t seqid, const Body& body) {
  auto buffer = writeBuffer();
  Proto proto(buffer);
  proto.writeMessageBegin(std::string(name), type, seqid);
  body.write(&proto);
  proto.writeMessageEnd();
  return takeBytes(*buffer);
}

// A reader whose strings and containers cannot claim more than the message holds: Thrift's
// binary reader sizes a string before reading it, so an unbounded one would allocate whatever a
// peer's 4-byte length claims.
template <class Proto>
Proto boundedReader(std::shared_ptr<Buffer> buffer, size_t message_size) {
  auto limit = static_cast<int32_t>(std::min<size_t>(message_size, INT32_MAX));
  if constexpr (std::is_same_v<Proto, BinaryWriter>) {
    return Proto(std::move(buffer), limit, limit, false, true);
  } else {
    return Proto(std::move(buffer), limit, limit);
  }
}

template <class Proto, class Body>
void decodeWith(std::string_view bytes, MessageHeader& header, Body& body) {
  Proto proto = boundedReader<Proto>(readBuffer(bytes), bytes.size());
  proto.readMessageBegin(header.name, header.type, header.seqid);
  if (header.type == apache::thrift::protocol::T_EXCEPTION) {
    apache::thrift::TApplicationException error;
    error.read(&proto);
    throw ApplicationError(static_cast<ApplicationError::Type>(error.getType()), error.what());
  }
  body.read(&proto);
  proto.readMessageEnd();
}
}  // namespace detail

// A whole message: header then `body` (a generated args or result struct).
template <class Body>
std::string encodeMessage(Protocol protocol, std::string_view name, TMessageType type,
                          int32_t seqid, const Body& body) {
  if (protocol == Protocol::kCompact) {
    return detail::encodeWith<detail::CompactWriter>(name, type, seqid, body);
  }
  return detail::encodeWith<detail::BinaryWriter>(name, type, seqid, body);
}

// Reads the header and `body`. A T_EXCEPTION message throws ApplicationError; undecodable bytes
// throw ProtocolError. Returns the header.
template <class Body>
MessageHeader decodeMessage(Protocol protocol, std::string_view bytes, Body& body) {
  MessageHeader header;
  header.protocol = protocol;
  try {
    if (protocol == Protocol::kCompact) {
      detail::decodeWith<detail::CompactWriter>(bytes, header, body);
    } else {
      detail::decodeWith<detail::BinaryWriter>(bytes, header, body);
    }
  } catch (const Error&) {
    throw;
  } catch (...) {
    detail::rethrowAsProtocolError("thrift message");
  }
  return header;
}

// Reads only the header, detecting the protocol from the first byte (0x80 strict binary,
// 0x82 compact, otherwise old non-strict binary). Throws ProtocolError.
MessageHeader peekMessage(std::string_view bytes);

// Which field of a T_REPLY's result struct is set: 0 for success (or a void reply), a declared
// exception's id otherwise; nullopt for anything else (T_EXCEPTION, undecodable bytes).
std::optional<int16_t> replyFieldId(std::string_view bytes);

// The stack's ReplyClassifier for Thrift: a reply carrying a declared exception that the call's
// method policy calls retryable.
bool retryableReply(const Request& request, const Response& response);

// A T_EXCEPTION reply carrying a TApplicationException.
std::string encodeApplicationException(const MessageHeader& call, ApplicationError::Type type,
                                       std::string_view message);

}  // namespace scales::thrift

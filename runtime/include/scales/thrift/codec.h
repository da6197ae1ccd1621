// SPDX-License-Identifier: Apache-2.0
// Encoding and decoding whole Thrift messages (header + struct) with Apache Thrift's own protocol
// classes, templated on a memory buffer so that no virtual call sits on the per-field path.
// Generated stubs and dispatchers call these; every decode error becomes a ProtocolError.
#pragma once

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scales/core/errors.h"
#include "scales/core/request.h"
#include "scales/thrift/message.h"
#include "scales/thrift/protocol.h"

namespace scales::thrift {

namespace detail {
using Buffer = apache::thrift::transport::TMemoryBuffer;
using BinaryWriter = apache::thrift::protocol::TBinaryProtocolT<Buffer>;
using CompactWriter = apache::thrift::protocol::TCompactProtocolT<Buffer>;

// The calling thread's protocol of each kind, reused for every message: encoding and decoding run
// to completion without yielding or re-entering, so a thread never needs two at once. Building
// Thrift's protocol and buffer per message (shared_ptr copies, a TConfiguration allocated by every
// TMemoryBuffer) costs more than encoding a small message.
//
// A writer over the thread's (emptied) write buffer.
template <class Proto>
Proto& threadWriter();
// The bytes written since threadWriter() was fetched.
std::string takeWritten();
// A reader observing `bytes`, whose strings and containers cannot claim more than the message
// holds: Thrift's readers size a string before reading it, so an unbounded one would allocate
// whatever a peer's 4-byte length claims.
template <class Proto>
Proto& threadReader(std::string_view bytes);
// Walks a whole message without building anything (Thrift's skip), throwing unless every element
// each container claims is there. Thrift's generated readers size a vector by its claim before
// reading an element, and take an empty struct's wire size to be zero, so a message of claims
// nested a few dozen deep would make them allocate thousands of times its size; once the claims
// are known to be backed by bytes, a decode allocates at most a multiple of what arrived.
template <class Proto>
void checkComplete(std::string_view bytes);
// Messages up to this size are decoded without the walk: what their claims could make a decode
// allocate stays within a few MiB.
inline constexpr size_t kCheckCompleteAbove = 512;
// Replaces the thread's protocols after a failed encode or decode, which can leave a protocol's
// nesting state (the compact protocol's field-id stack) half unwound.
void resetThreadProtocols();
[[noreturn]] void rethrowAsProtocolError(std::string_view what);

template <class Proto, class Body>
std::string encodeWith(std::string_view name, TMessageType type, int32_t seqid, const Body& body) {
  try {
    Proto& proto = threadWriter<Proto>();
    proto.writeMessageBegin(std::string(name), type, seqid);
    body.write(&proto);
    proto.writeMessageEnd();
    return takeWritten();
  } catch (...) {
    resetThreadProtocols();
    throw;
  }
}

template <class Proto, class Body>
void decodeWith(std::string_view bytes, MessageHeader& header, Body& body) {
  try {
    if (bytes.size() > kCheckCompleteAbove) checkComplete<Proto>(bytes);
    Proto& proto = threadReader<Proto>(bytes);
    proto.readMessageBegin(header.name, header.type, header.seqid);
    if (header.type == apache::thrift::protocol::T_EXCEPTION) {
      apache::thrift::TApplicationException error;
      error.read(&proto);
      throw ApplicationError(static_cast<ApplicationError::Type>(error.getType()), error.what());
    }
    body.read(&proto);
    proto.readMessageEnd();
  } catch (const ApplicationError&) {
    throw;  // a whole, well-formed T_EXCEPTION message: the reader is fine
  } catch (...) {
    resetThreadProtocols();
    throw;
  }
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

// The stack's ReplyClassifier for Thrift: a reply carrying a declared exception is retryable when
// the call's method policy calls that exception retryable, and a failure of the endpoint when it
// calls it a failure (scales.failure); every other reply (T_EXCEPTION too) is a success here.
ReplyClass classifyReply(const ReplyContext& call, const Response& response);
// Whether classifyReply can judge the replies to a call with this policy: only when it marks an
// exception retryable or a failure.
bool classifiesReplies(const MethodPolicy* policy);

// A T_EXCEPTION reply carrying a TApplicationException.
std::string encodeApplicationException(const MessageHeader& call, ApplicationError::Type type,
                                       std::string_view message);

}  // namespace scales::thrift

// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/codec.h"

#include <exception>

namespace scales::thrift {
namespace detail {

// One buffer of each kind per thread, reset for every message: encoding and decoding run to
// completion without yielding, so a thread never needs two at once, and the per-call
// allocations of a fresh TMemoryBuffer stay off the hot path.
std::shared_ptr<Buffer> writeBuffer() {
  thread_local auto buffer = std::make_shared<Buffer>(1024);
  buffer->resetBuffer();
  return buffer;
}

namespace {
// A reusable read buffer. Thrift counts bytes read against its max message size for the
// transport's lifetime; each message starts that count afresh.
class MessageReader final : public Buffer {
 public:
  void observe(std::string_view bytes) {
    // OBSERVE never writes through the pointer; TMemoryBuffer just lacks a const overload.
    auto* data = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
    resetBuffer(data, static_cast<uint32_t>(bytes.size()), Buffer::OBSERVE);
    resetConsumedMessageSize();
  }
};
}  // namespace

std::shared_ptr<Buffer> readBuffer(std::string_view bytes) {
  thread_local auto buffer = std::make_shared<MessageReader>();
  buffer->observe(bytes);
  return buffer;
}

std::string takeBytes(Buffer& buffer) {
  uint8_t* data = nullptr;
  uint32_t size = 0;
  buffer.getBuffer(&data, &size);
  return std::string(reinterpret_cast<const char*>(data), size);
}

void rethrowAsProtocolError(std::string_view what) {
  try {
    throw;
  } catch (const std::exception& e) {
    throw ProtocolError("malformed " + std::string(what) + ": " + e.what());
  } catch (...) {
    throw ProtocolError("malformed " + std::string(what));
  }
}

}  // namespace detail

Protocol parseProtocol(std::string_view name) {
  if (name == "binary") return Protocol::kBinary;
  if (name == "compact") return Protocol::kCompact;
  throw ConfigError("unknown thrift protocol '" + std::string(name) + "'; valid: binary, compact");
}

Transport parseTransport(std::string_view name) {
  if (name == "mux") return Transport::kMux;
  if (name == "framed") return Transport::kFramed;
  throw ConfigError("unknown thrift transport '" + std::string(name) + "'; valid: framed, mux");
}

MessageHeader peekMessage(std::string_view bytes) {
  MessageHeader header;
  header.protocol = !bytes.empty() && static_cast<uint8_t>(bytes[0]) == 0x82 ? Protocol::kCompact
                                                                             : Protocol::kBinary;
  try {
    auto buffer = detail::readBuffer(bytes);
    if (header.protocol == Protocol::kCompact) {
      detail::boundedReader<detail::CompactWriter>(buffer, bytes.size())
          .readMessageBegin(header.name, header.type, header.seqid);
    } else {
      detail::boundedReader<detail::BinaryWriter>(buffer, bytes.size())
          .readMessageBegin(header.name, header.type, header.seqid);
    }
  } catch (...) {
    detail::rethrowAsProtocolError("thrift message header");
  }
  return header;
}

namespace {
template <class Proto>
std::optional<int16_t> readReplyFieldId(std::string_view bytes) {
  Proto proto = detail::boundedReader<Proto>(detail::readBuffer(bytes), bytes.size());
  std::string name;
  TMessageType type;
  int32_t seqid = 0;
  proto.readMessageBegin(name, type, seqid);
  if (type != apache::thrift::protocol::T_REPLY) return std::nullopt;
  std::string struct_name;
  proto.readStructBegin(struct_name);
  apache::thrift::protocol::TType field_type;
  int16_t id = 0;
  proto.readFieldBegin(name, field_type, id);
  return field_type == apache::thrift::protocol::T_STOP ? 0 : id;
}
}  // namespace

std::optional<int16_t> replyFieldId(std::string_view bytes) {
  try {
    if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == 0x82) {
      return readReplyFieldId<detail::CompactWriter>(bytes);
    }
    return readReplyFieldId<detail::BinaryWriter>(bytes);
  } catch (...) {
    return std::nullopt;  // the decoder above reports undecodable replies
  }
}

bool retryableReply(const Request& request, const Response& response) {
  if (request.policy == nullptr || request.policy->retryable_exceptions.empty()) return false;
  auto field = replyFieldId(response.payload);
  return field && *field != 0 && request.policy->retryableException(*field);
}

std::string encodeApplicationException(const MessageHeader& call, ApplicationError::Type type,
                                       std::string_view message) {
  apache::thrift::TApplicationException error(
      static_cast<apache::thrift::TApplicationException::TApplicationExceptionType>(type),
      std::string(message));
  return encodeMessage(call.protocol, call.name, apache::thrift::protocol::T_EXCEPTION, call.seqid,
                       error);
}

}  // namespace scales::thrift

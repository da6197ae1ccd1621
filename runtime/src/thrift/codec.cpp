// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/codec.h"

#include <exception>

namespace scales::thrift {
namespace detail {

std::shared_ptr<Buffer> writeBuffer() { return std::make_shared<Buffer>(256); }

std::shared_ptr<Buffer> readBuffer(std::string_view bytes) {
  // OBSERVE never writes through the pointer; TMemoryBuffer just lacks a const constructor.
  auto* data = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
  return std::make_shared<Buffer>(data, static_cast<uint32_t>(bytes.size()), Buffer::OBSERVE);
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

std::string encodeApplicationException(const MessageHeader& call, ApplicationError::Type type,
                                       std::string_view message) {
  apache::thrift::TApplicationException error(
      static_cast<apache::thrift::TApplicationException::TApplicationExceptionType>(type),
      std::string(message));
  return encodeMessage(call.protocol, call.name, apache::thrift::protocol::T_EXCEPTION, call.seqid,
                       error);
}

}  // namespace scales::thrift

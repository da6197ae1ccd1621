// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/codec.h"

#include <algorithm>
#include <climits>
#include <exception>
#include <memory>

namespace scales::thrift {
namespace detail {
namespace {

// A read buffer that observes one message at a time. Pointing it at new bytes sets its window
// directly: TMemoryBuffer::resetBuffer builds a whole new buffer (and TConfiguration) to swap in.
class MessageReader final : public Buffer {
 public:
  MessageReader() : Buffer(nullptr, 0, Buffer::OBSERVE) {}

  void observe(std::string_view bytes) {
    // OBSERVE never writes through the pointer; TMemoryBuffer just lacks a const overload.
    auto* data = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
    auto size = static_cast<uint32_t>(bytes.size());
    buffer_ = data;
    bufferSize_ = size;
    rBase_ = data;
    rBound_ = data + size;
    wBase_ = data + size;
    wBound_ = data + size;
    owner_ = false;
    // Thrift counts bytes read against its max message size for the transport's lifetime; each
    // message starts that count afresh, from its own size, so that a container's claim of
    // fixed-size elements is checked against the bytes this message really has.
    resetConsumedMessageSize();  // the full reset first: a known size may only shrink
    resetConsumedMessageSize(std::min<long>(size, getMaxMessageSize()));
  }
};

// A write buffer that gives back memory a large message made it grow to.
class MessageWriter final : public Buffer {
 public:
  static constexpr uint32_t kKeptBytes = 64 * 1024;

  MessageWriter() : Buffer(kInitialBytes) {}

  void clear() {
    if (getBufferSize() > kKeptBytes) {
      resetBuffer(kInitialBytes);
    } else {
      resetBuffer();
    }
  }

 private:
  static constexpr uint32_t kInitialBytes = 1024;
};

struct ThreadProtocols {
  std::shared_ptr<MessageWriter> out = std::make_shared<MessageWriter>();
  std::shared_ptr<MessageReader> in = std::make_shared<MessageReader>();
  BinaryWriter binary_writer{out};
  CompactWriter compact_writer{out};
  // Strict writes, lenient reads (old non-strict binary peers still exist), as Thrift's defaults.
  BinaryWriter binary_reader{in, 0, 0, false, true};
  CompactWriter compact_reader{in};
};

std::unique_ptr<ThreadProtocols>& threadProtocols() {
  thread_local auto protocols = std::make_unique<ThreadProtocols>();
  return protocols;
}

int32_t limitFor(size_t message_size) {
  return static_cast<int32_t>(std::min<size_t>(message_size, INT32_MAX));
}

// Thrift's compact protocol takes its limits only in its constructor; they are protected members,
// reachable through member pointers named in a derived class.
struct CompactLimits : CompactWriter {
  static void set(CompactWriter& proto, int32_t limit) {
    proto.*(&CompactLimits::string_limit_) = limit;
    proto.*(&CompactLimits::container_limit_) = limit;
  }
};

}  // namespace

template <>
BinaryWriter& threadWriter<BinaryWriter>() {
  auto& p = *threadProtocols();
  p.out->clear();
  return p.binary_writer;
}

template <>
CompactWriter& threadWriter<CompactWriter>() {
  auto& p = *threadProtocols();
  p.out->clear();
  return p.compact_writer;
}

std::string takeWritten() {
  uint8_t* data = nullptr;
  uint32_t size = 0;
  threadProtocols()->out->getBuffer(&data, &size);
  return std::string(reinterpret_cast<const char*>(data), size);
}

template <>
BinaryWriter& threadReader<BinaryWriter>(std::string_view bytes) {
  auto& p = *threadProtocols();
  p.in->observe(bytes);
  p.binary_reader.setStringSizeLimit(limitFor(bytes.size()));
  p.binary_reader.setContainerSizeLimit(limitFor(bytes.size()));
  return p.binary_reader;
}

template <>
CompactWriter& threadReader<CompactWriter>(std::string_view bytes) {
  auto& p = *threadProtocols();
  p.in->observe(bytes);
  CompactLimits::set(p.compact_reader, limitFor(bytes.size()));
  return p.compact_reader;
}

namespace {
template <class Proto>
void walkWhole(std::string_view bytes) {
  Proto& proto = threadReader<Proto>(bytes);
  std::string name;
  TMessageType type;
  int32_t seqid = 0;
  proto.readMessageBegin(name, type, seqid);
  apache::thrift::protocol::skip(proto, apache::thrift::protocol::T_STRUCT);
  proto.readMessageEnd();
}
}  // namespace

template <>
void checkComplete<BinaryWriter>(std::string_view bytes) {
  walkWhole<BinaryWriter>(bytes);
}

template <>
void checkComplete<CompactWriter>(std::string_view bytes) {
  walkWhole<CompactWriter>(bytes);
}

void resetThreadProtocols() { threadProtocols() = std::make_unique<ThreadProtocols>(); }

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

MessageHeader peekMessage(std::string_view bytes) {
  MessageHeader header;
  header.protocol = !bytes.empty() && static_cast<uint8_t>(bytes[0]) == 0x82 ? Protocol::kCompact
                                                                             : Protocol::kBinary;
  try {
    if (header.protocol == Protocol::kCompact) {
      detail::threadReader<detail::CompactWriter>(bytes).readMessageBegin(header.name, header.type,
                                                                          header.seqid);
    } else {
      detail::threadReader<detail::BinaryWriter>(bytes).readMessageBegin(header.name, header.type,
                                                                         header.seqid);
    }
  } catch (...) {
    detail::resetThreadProtocols();
    detail::rethrowAsProtocolError("thrift message header");
  }
  return header;
}

namespace {
template <class Proto>
std::optional<int16_t> readReplyFieldId(std::string_view bytes) {
  Proto& proto = detail::threadReader<Proto>(bytes);
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
  // Leave the thread's reader balanced for the next message: the compact reader holds a bool
  // field's value from its header until it is read, and a field-id stack per struct.
  if (field_type == apache::thrift::protocol::T_BOOL) {
    bool ignored = false;
    proto.readBool(ignored);
  }
  proto.readStructEnd();
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
    detail::resetThreadProtocols();
    return std::nullopt;  // the decoder above reports undecodable replies
  }
}

bool classifiesReplies(const MethodPolicy* policy) {
  return policy != nullptr &&
         (!policy->retryable_exceptions.empty() || !policy->failure_exceptions.empty());
}

ReplyClass classifyReply(const ReplyContext& call, const Response& response) {
  const MethodPolicy* policy = call.policy;
  if (!classifiesReplies(policy)) return {};
  auto field = replyFieldId(response.payload);
  if (!field || *field == 0) return {};
  ReplyClass result;
  result.retryable = policy->retryableException(*field);
  result.failure = policy->failureException(*field);
  if (result.failure) {
    result.kind = "thrift_exception";
    result.code = *field;
  }
  return result;
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

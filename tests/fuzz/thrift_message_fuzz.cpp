// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for framed Thrift messages, both ways. After a mode byte (the client's protocol
// and which call it awaits), the input is a stream of 4-byte big-endian length-prefixed frames, as
// TFramedTransport delivers them, and every frame is
//   - served as a generated dispatcher serves it: readCallHeader (peekMessage), the method lookup,
//     decodeArgs of the args struct, then the handler's reply, which the client must decode back;
//   - received as the reply to the awaited call: replyFieldId, and the generated decoder
//     (decodeMessage of the result struct, then the value or a declared exception).
// The codec headers promise that peer bytes yield a call header or exactly one
// TApplicationException reply, and a value, a declared exception, ProtocolError or
// ApplicationError; what decodes must re-encode to bytes that decode to the same. Anything else
// (another exception, a mismatch, a sanitizer report) is a crash. Many frames per input share the
// thread's reused protocol objects, so state one message leaves behind shows up reproducibly.
//
// The IDL types come from tests/fuzz/fuzz.thrift (`thrift --gen cpp:templates,moveable_types`, as
// scales-thrift runs it; scripts/fuzz.sh generates them). The args/result structs, decoders and
// result encoders below are written the way scales-thrift renders them for that IDL
// (templates/service_cpp/structs.mustache and codec.mustache).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_types.h"
#include "scales/core/errors.h"
#include "scales/core/method_policy.h"
#include "scales/core/request.h"
#include "scales/server/thrift_codec.h"
#include "scales/thrift/codec.h"
#include "scales/thrift/wire.h"

namespace {
namespace tp = apache::thrift::protocol;
namespace wire = scales::thrift::wire;
using scales::ApplicationError;
using scales::ProtocolError;
using scales::thrift::MessageHeader;
using scales::thrift::Protocol;
using scales_fuzz::Choice;
using scales_fuzz::NotFound;
using scales_fuzz::Overloaded;
using scales_fuzz::Record;

[[noreturn]] void fail() { __builtin_trap(); }
void check(bool ok) {
  if (!ok) fail();
}

// ---- What scales-thrift generates for service Store (Store_scales in Store.scales.cpp). ----
namespace Store_scales {
using RecordW = wire::Struct<Record>;
using NotFoundW = wire::Struct<NotFound>;
using OverloadedW = wire::Struct<Overloaded>;
using FieldsW = wire::List<wire::String>;
using ExtraW = wire::Map<wire::String, wire::Struct<Choice>>;
using KeysW = wire::Set<wire::String>;
using FlagsW = wire::List<wire::Bool>;

struct get_pargs {
  const std::string& key;
  const std::vector<std::string>& fields;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_get_args");
    wire::writeField<wire::String>(*scales_p, "key", 1, key);
    wire::writeField<FieldsW>(*scales_p, "fields", 2, fields);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }
};

struct get_args {
  std::string key{};
  std::vector<std::string> fields{};

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 1:
          return wire::readFieldValue<wire::String>(*scales_p, scales_type, key);
        case 2:
          return wire::readFieldValue<FieldsW>(*scales_p, scales_type, fields);
        default:
          return false;
      }
    });
  }
};

struct get_result {
  std::optional<Record> success;
  std::optional<NotFound> missing;
  std::optional<Overloaded> busy;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_get_result");
    if (success) wire::writeField<RecordW>(*scales_p, "success", 0, *success);
    if (missing) wire::writeField<NotFoundW>(*scales_p, "missing", 1, *missing);
    if (busy) wire::writeField<OverloadedW>(*scales_p, "busy", 2, *busy);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 0:
          return wire::readOptional<RecordW>(*scales_p, scales_type, success);
        case 1:
          return wire::readOptional<NotFoundW>(*scales_p, scales_type, missing);
        case 2:
          return wire::readOptional<OverloadedW>(*scales_p, scales_type, busy);
        default:
          return false;
      }
    });
  }
};

struct put_pargs {
  const Record& record;
  const std::map<std::string, Choice>& extra;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_put_args");
    wire::writeField<RecordW>(*scales_p, "record", 1, record);
    wire::writeField<ExtraW>(*scales_p, "extra", 2, extra);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }
};

struct put_args {
  Record record{};
  std::map<std::string, Choice> extra{};

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 1:
          return wire::readFieldValue<RecordW>(*scales_p, scales_type, record);
        case 2:
          return wire::readFieldValue<ExtraW>(*scales_p, scales_type, extra);
        default:
          return false;
      }
    });
  }
};

struct put_result {
  std::optional<Overloaded> busy;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_put_result");
    if (busy) wire::writeField<OverloadedW>(*scales_p, "busy", 1, *busy);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 1:
          return wire::readOptional<OverloadedW>(*scales_p, scales_type, busy);
        default:
          return false;
      }
    });
  }
};

struct check_pargs {
  const std::set<std::string>& keys;
  bool strict;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_check_args");
    wire::writeField<KeysW>(*scales_p, "keys", 1, keys);
    wire::writeField<wire::Bool>(*scales_p, "strict", 2, strict);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }
};

struct check_args {
  std::set<std::string> keys{};
  bool strict{};

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 1:
          return wire::readFieldValue<KeysW>(*scales_p, scales_type, keys);
        case 2:
          return wire::readFieldValue<wire::Bool>(*scales_p, scales_type, strict);
        default:
          return false;
      }
    });
  }
};

struct check_result {
  std::optional<bool> success;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_check_result");
    if (success) wire::writeField<wire::Bool>(*scales_p, "success", 0, *success);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 0:
          return wire::readOptional<wire::Bool>(*scales_p, scales_type, success);
        default:
          return false;
      }
    });
  }
};

struct touch_pargs {
  int64_t at;
  const std::vector<bool>& flags;

  template <class P>
  void write(P* scales_p) const {
    scales_p->writeStructBegin("Store_touch_args");
    wire::writeField<wire::I64>(*scales_p, "at", 1, at);
    wire::writeField<FlagsW>(*scales_p, "flags", 2, flags);
    scales_p->writeFieldStop();
    scales_p->writeStructEnd();
  }
};

struct touch_args {
  int64_t at{};
  std::vector<bool> flags{};

  template <class P>
  void read(P* scales_p) {
    wire::readStruct(*scales_p, [&](int16_t scales_id, wire::TType scales_type) {
      switch (scales_id) {
        case 1:
          return wire::readFieldValue<wire::I64>(*scales_p, scales_type, at);
        case 2:
          return wire::readFieldValue<FlagsW>(*scales_p, scales_type, flags);
        default:
          return false;
      }
    });
  }
};

// The client's decoders (codec.mustache).
struct get_decoder {
  Protocol protocol;
  Record operator()(const scales::Response& scales_response) const {
    get_result scales_result;
    scales::thrift::decodeMessage(protocol, scales_response.payload, scales_result);
    if (scales_result.success) return std::move(*scales_result.success);
    if (scales_result.missing) throw std::move(*scales_result.missing);
    if (scales_result.busy) throw std::move(*scales_result.busy);
    throw ApplicationError(ApplicationError::Type::kMissingResult, "get failed: unknown result");
  }
};

struct put_decoder {
  Protocol protocol;
  void operator()(const scales::Response& scales_response) const {
    put_result scales_result;
    scales::thrift::decodeMessage(protocol, scales_response.payload, scales_result);
    if (scales_result.busy) throw std::move(*scales_result.busy);
  }
};

struct check_decoder {
  Protocol protocol;
  bool operator()(const scales::Response& scales_response) const {
    check_result scales_result;
    scales::thrift::decodeMessage(protocol, scales_response.payload, scales_result);
    if (scales_result.success) return std::move(*scales_result.success);
    throw ApplicationError(ApplicationError::Type::kMissingResult, "check failed: unknown result");
  }
};

// The server's result encoders (codec.mustache).
std::string encode_get_result(const MessageHeader& scales_header, std::exception_ptr scales_error,
                              Record* scales_value) {
  get_result scales_result;
  if (scales_error) {
    try {
      std::rethrow_exception(scales_error);
    } catch (const NotFound& scales_e) {
      scales_result.missing = scales_e;
    } catch (const Overloaded& scales_e) {
      scales_result.busy = scales_e;
    } catch (...) {
      return scales::server::encodeHandlerFailure(scales_header, std::current_exception());
    }
  } else {
    scales_result.success = std::move(*scales_value);
  }
  return scales::thrift::encodeMessage(scales_header.protocol, scales_header.name, tp::T_REPLY,
                                       scales_header.seqid, scales_result);
}

std::string encode_put_result(const MessageHeader& scales_header, std::exception_ptr scales_error) {
  put_result scales_result;
  if (scales_error) {
    try {
      std::rethrow_exception(scales_error);
    } catch (const Overloaded& scales_e) {
      scales_result.busy = scales_e;
    } catch (...) {
      return scales::server::encodeHandlerFailure(scales_header, std::current_exception());
    }
  }
  return scales::thrift::encodeMessage(scales_header.protocol, scales_header.name, tp::T_REPLY,
                                       scales_header.seqid, scales_result);
}

std::string encode_check_result(const MessageHeader& scales_header, std::exception_ptr scales_error,
                                bool* scales_value) {
  check_result scales_result;
  if (scales_error) {
    try {
      std::rethrow_exception(scales_error);
    } catch (...) {
      return scales::server::encodeHandlerFailure(scales_header, std::current_exception());
    }
  } else {
    scales_result.success = std::move(*scales_value);
  }
  return scales::thrift::encodeMessage(scales_header.protocol, scales_header.name, tp::T_REPLY,
                                       scales_header.seqid, scales_result);
}
}  // namespace Store_scales

namespace ss = Store_scales;

// ---- Checks shared by both directions. ----

// The message type as a number: the protocols store whatever byte the peer sent in a
// TMessageType, out of the enum's range or not (see scripts/fuzz.sh on -fno-sanitize=enum).
int typeOf(const MessageHeader& h) { return static_cast<int>(h.type); }

bool sameHeader(const MessageHeader& a, const MessageHeader& b) {
  return a.name == b.name && typeOf(a) == typeOf(b) && a.seqid == b.seqid &&
         a.protocol == b.protocol;
}

// `decoded` (just decoded from peer bytes) re-encodes, as `encode(header, value)` writes it, to a
// message that decodes to the same header and, re-encoded, to the same bytes.
template <class Value, class Encode>
void checkRoundTrip(const MessageHeader& header, const Value& decoded, Encode encode) {
  std::string wire = encode(header, decoded);
  Value again{};
  MessageHeader header_again = scales::thrift::decodeMessage(header.protocol, wire, again);
  check(sameHeader(header, header_again));
  check(encode(header_again, again) == wire);
}

struct NoFields {
  template <class P>
  void read(P* p) {
    wire::readStruct(*p, [](int16_t, wire::TType) { return false; });
  }
};

// `reply` is a whole T_EXCEPTION message answering `call`, carrying a TApplicationException of
// `type`.
void checkApplicationException(const std::string& reply, const MessageHeader& call,
                               ApplicationError::Type type) {
  MessageHeader header = scales::thrift::peekMessage(reply);
  check(header.name == call.name && header.seqid == call.seqid && header.protocol == call.protocol);
  check(typeOf(header) == tp::T_EXCEPTION);
  check(scales::thrift::replyFieldId(reply) == std::nullopt);
  NoFields body;
  try {
    scales::thrift::decodeMessage(call.protocol, reply, body);
  } catch (const ApplicationError& e) {
    check(e.type() == type);
    return;
  }
  fail();
}

// `reply` is the T_REPLY answering `call` whose result struct's first field is `field`.
void checkReplyHeader(const std::string& reply, const MessageHeader& call, int16_t field) {
  MessageHeader header = scales::thrift::peekMessage(reply);
  check(header.name == call.name && header.seqid == call.seqid && header.protocol == call.protocol);
  check(typeOf(header) == tp::T_REPLY);
  check(scales::thrift::replyFieldId(reply) == std::optional<int16_t>(field));
}

// ---- The server's side: what a generated dispatcher does with one message. ----

// Store's handler: answers derived from the arguments, so that every kind of reply comes up.
void serveGet(const MessageHeader& call, ss::get_args args) {
  std::exception_ptr error;
  Record value;
  if (args.key.empty()) {
    NotFound e;
    e.__set_key(args.key);
    e.__set_code(static_cast<int32_t>(args.fields.size()));
    error = std::make_exception_ptr(e);
  } else if (args.key == "busy") {
    Overloaded e;
    e.__set_message(args.fields.empty() ? std::string() : args.fields.front());
    error = std::make_exception_ptr(e);
  } else if (args.key == "boom") {
    error = std::make_exception_ptr(std::runtime_error("handler failed"));
  } else {
    value.__set_id(static_cast<int32_t>(args.fields.size()));
    value.__set_label(args.key);
    for (auto& f : args.fields) {
      scales_fuzz::Inner inner;
      inner.__set_name(f);
      value.by_name[f] = inner;
      value.children.push_back(std::move(inner));
    }
  }
  Record expected = value;
  std::string reply = ss::encode_get_result(call, error, &value);
  if (args.key == "boom") {
    return checkApplicationException(reply, call, ApplicationError::Type::kInternalError);
  }
  checkReplyHeader(reply, call, args.key.empty() ? 1 : args.key == "busy" ? 2 : 0);
  try {
    Record got = ss::get_decoder{call.protocol}(scales::Response{reply});
    check(!error && got == expected);
  } catch (const NotFound& e) {
    check(args.key.empty() && e.key == args.key &&
          e.code == static_cast<int32_t>(args.fields.size()));
  } catch (const Overloaded&) {
    check(args.key == "busy");
  }
}

void servePut(const MessageHeader& call, const ss::put_args& args) {
  std::exception_ptr error;
  if (args.extra.size() > 1) {
    Overloaded e;
    e.__set_message(args.record.label);
    error = std::make_exception_ptr(e);
  }
  std::string reply = ss::encode_put_result(call, error);
  checkReplyHeader(reply, call, error ? 1 : 0);
  try {
    ss::put_decoder{call.protocol}(scales::Response{reply});
    check(!error);
  } catch (const Overloaded& e) {
    check(error && e.message == args.record.label);
  }
}

void serveCheck(const MessageHeader& call, const ss::check_args& args) {
  if (args.keys.count("boom")) {
    std::string reply = ss::encode_check_result(
        call, std::make_exception_ptr(ApplicationError(ApplicationError::Type::kUnknown, "boom")),
        nullptr);
    return checkApplicationException(reply, call, ApplicationError::Type::kUnknown);
  }
  bool value = args.strict ? args.keys.empty() : !args.keys.empty();
  bool expected = value;
  std::string reply = ss::encode_check_result(call, nullptr, &value);
  checkReplyHeader(reply, call, 0);
  check(ss::check_decoder{call.protocol}(scales::Response{reply}) == expected);
}

// Decodes `message`'s arguments as dispatch_<method> does; on success checks that they
// round-trip, then serves them.
template <class Args, class Encode, class Serve>
void dispatchTo(const MessageHeader& call, const std::string& message, Encode encode, Serve serve) {
  std::vector<std::string> replies;
  auto respond = [&](std::string reply) { replies.push_back(std::move(reply)); };
  Args args;
  if (!scales::server::decodeArgs(call, message, args, respond)) {
    check(replies.size() == 1);
    if (typeOf(call) == tp::T_ONEWAY) return check(replies[0].empty());
    return checkApplicationException(replies[0], call, ApplicationError::Type::kProtocolError);
  }
  check(replies.empty());
  checkRoundTrip(call, args, encode);
  serve(call, std::move(args));
}

void serve(const std::string& message) {
  std::optional<MessageHeader> peeked;
  try {
    peeked = scales::thrift::peekMessage(message);
  } catch (const ProtocolError&) {
  }

  std::vector<std::string> replies;
  auto header = scales::server::readCallHeader(
      message, [&](std::string reply) { replies.push_back(std::move(reply)); });
  if (!peeked) {
    check(!header && replies.size() == 1);
    return checkApplicationException(replies[0], MessageHeader{},
                                     ApplicationError::Type::kProtocolError);
  }
  if (typeOf(*peeked) != tp::T_CALL && typeOf(*peeked) != tp::T_ONEWAY) {
    check(!header && replies.size() == 1);
    return checkApplicationException(replies[0], *peeked,
                                     ApplicationError::Type::kInvalidMessageType);
  }
  check(header && replies.empty() && sameHeader(*header, *peeked));

  const MessageHeader& call = *header;
  if (call.name == "get") {
    dispatchTo<ss::get_args>(
        call, message,
        [](const MessageHeader& h, const ss::get_args& a) {
          return scales::thrift::encodeMessage(h.protocol, h.name, h.type, h.seqid,
                                               ss::get_pargs{a.key, a.fields});
        },
        serveGet);
  } else if (call.name == "put") {
    dispatchTo<ss::put_args>(
        call, message,
        [](const MessageHeader& h, const ss::put_args& a) {
          return scales::thrift::encodeMessage(h.protocol, h.name, h.type, h.seqid,
                                               ss::put_pargs{a.record, a.extra});
        },
        servePut);
  } else if (call.name == "check") {
    dispatchTo<ss::check_args>(
        call, message,
        [](const MessageHeader& h, const ss::check_args& a) {
          return scales::thrift::encodeMessage(h.protocol, h.name, h.type, h.seqid,
                                               ss::check_pargs{a.keys, a.strict});
        },
        serveCheck);
  } else if (call.name == "touch") {
    // Oneway: nothing goes back, whatever the handler does.
    dispatchTo<ss::touch_args>(
        call, message,
        [](const MessageHeader& h, const ss::touch_args& a) {
          return scales::thrift::encodeMessage(h.protocol, h.name, h.type, h.seqid,
                                               ss::touch_pargs{a.at, a.flags});
        },
        [](const MessageHeader&, const ss::touch_args&) {});
  } else {
    scales::server::respondUnknownMethod(
        call, [&](std::string reply) { replies.push_back(std::move(reply)); });
    check(replies.size() == 1);
    if (typeOf(call) == tp::T_ONEWAY) return check(replies[0].empty());
    checkApplicationException(replies[0], call, ApplicationError::Type::kUnknownMethod);
  }
}

// ---- The client's side: `message` is the reply to a call of the awaited method. ----

// The reply classifier's view (replyFieldId) must agree with what the decoder made of the same
// bytes. `declared` is the field id of the declared exception the decoder threw, 0 for a value.
template <class Result, class Decode>
void receive(Protocol protocol, const std::string& message, Decode decode) {
  std::optional<int16_t> field = scales::thrift::replyFieldId(message);
  scales::MethodPolicy policy;
  policy.retryable_exceptions = {1, 2};
  policy.failure_exceptions = {2};
  auto verdict = scales::thrift::classifyReply({"m", &policy}, scales::Response{message});
  check(verdict.retryable == (field && (*field == 1 || *field == 2)));
  check(verdict.failure == (field && *field == 2));

  // The generated decoder: a value, a declared exception, or the codec's errors.
  try {
    decode(scales::Response{message});
  } catch (const NotFound&) {
  } catch (const Overloaded&) {
  } catch (const ProtocolError&) {
  } catch (const ApplicationError&) {
  }

  // decodeMessage itself, whose header the decoder drops.
  Result result;
  MessageHeader header;
  try {
    header = scales::thrift::decodeMessage(protocol, message, result);
  } catch (const ProtocolError&) {
    return;
  } catch (const ApplicationError&) {
    check(!field);  // a T_EXCEPTION: no result struct to look into
    return;
  }
  // A whole reply decoded: the classifier, reading a prefix of the same bytes, found its field.
  if (typeOf(header) == tp::T_REPLY) check(field.has_value());
  // As a server would send it back.
  header.type = tp::T_REPLY;
  checkRoundTrip(header, result, [](const MessageHeader& h, const Result& r) {
    return scales::thrift::encodeMessage(h.protocol, h.name, h.type, h.seqid, r);
  });
}

void receive(Protocol protocol, int method, const std::string& message) {
  switch (method) {
    case 0:
      return receive<ss::get_result>(protocol, message, ss::get_decoder{protocol});
    case 1:
      return receive<ss::put_result>(protocol, message, ss::put_decoder{protocol});
    default:
      return receive<ss::check_result>(protocol, message, ss::check_decoder{protocol});
  }
}

// The next frame: a 4-byte big-endian length, then that many bytes (or what is left, so that a
// mutated length still feeds the decoders).
std::string nextFrame(std::string_view& rest) {
  if (rest.size() < 4) {
    std::string frame(rest);
    rest = {};
    return frame;
  }
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(rest[i])); };
  size_t size = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
  rest.remove_prefix(4);
  size = std::min(size, rest.size());
  std::string frame(rest.substr(0, size));
  rest.remove_prefix(size);
  return frame;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Mode byte: bit 0 the client's protocol, the next bits which call's reply it awaits.
  Protocol protocol = data[0] & 1 ? Protocol::kCompact : Protocol::kBinary;
  int method = (data[0] >> 1) % 3;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!rest.empty()) {
    std::string message = nextFrame(rest);
    serve(message);
    receive(protocol, method, message);
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// scales-call's JSON <-> Thrift codec against Apache Thrift's own generated code: every type of
// tests/idl/interop.thrift written by Thrift's generated struct, read into JSON, written back
// from that JSON and read by the generated struct again must be the value it started as, in both
// protocols; and wrong JSON is refused naming where and what was expected.
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "InteropService.scales.h"
#include "codec/json_to_thrift.h"
#include "codec/thrift_to_json.h"
#include "interop/sample_values.h"
#include "schema/idl_reader.h"

namespace scales::call {
namespace {
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;
using json = Json;

const Schema& interopSchema() {
  static const Schema schema = readIdl(
      {SCALES_SOURCE_DIR "/tests/idl/interop.thrift", {SCALES_SOURCE_DIR "/tests/idl"}, ""});
  return schema;
}

TypeRef structType(const std::string& name) { return {TypeRef::Kind::kStruct, name, {}, {}}; }

template <class Proto>
struct Codec {
  std::shared_ptr<TMemoryBuffer> buffer = std::make_shared<TMemoryBuffer>();
  Proto proto{buffer};

  json toJson(const interop::Everything& value) {
    buffer->resetBuffer();
    value.write(&proto);
    return ThriftToJson<Proto>(interopSchema(), proto).value(structType("interop.Everything"), 0);
  }
  interop::Everything fromJson(const json& value) {
    buffer->resetBuffer();
    JsonToThrift<Proto>(interopSchema(), proto)
        .value(structType("interop.Everything"), value, "value", 0);
    interop::Everything out;
    out.read(&proto);
    return out;
  }
};

template <class Proto>
class CallCodec : public ::testing::Test {};
using Protocols =
    ::testing::Types<TBinaryProtocolT<TMemoryBuffer>, TCompactProtocolT<TMemoryBuffer>>;
TYPED_TEST_SUITE(CallCodec, Protocols);

TYPED_TEST(CallCodec, EveryInteropTypeRoundTripsThroughJson) {
  Codec<TypeParam> codec;
  for (const auto& sample : {interop::samples::everything(), interop::samples::sparse()}) {
    json as_json = codec.toJson(sample);
    EXPECT_EQ(codec.fromJson(as_json), sample) << as_json.dump(1);
    // The printed form is stable: JSON text parsed back gives the same value again.
    EXPECT_EQ(codec.fromJson(json::parse(as_json.dump())), sample);
  }
}

TYPED_TEST(CallCodec, ValuesUseTheDocumentedJsonForms) {
  Codec<TypeParam> codec;
  json e = codec.toJson(interop::samples::everything());
  EXPECT_EQ(e["color"], "BLUE");                               // enums by name
  EXPECT_EQ(e["primitives"]["large"], "9223372036854775807");  // i64 beyond 2^53: a string
  EXPECT_EQ(e["stamp"], 1732450000123LL);                      // within 2^53: a number
  EXPECT_EQ(e["primitives"]["blob"].get<std::string>().substr(0, 8), "AAECAwQF");  // base64
  EXPECT_EQ(e["choice"], json({{"point", {{"x", 1.5}, {"y", -2.25}}}}));           // one field
  EXPECT_EQ(e["palette"]["warm"], json::array({"RED"}));  // string keys: an object
  EXPECT_TRUE(e["nested"].contains("-1"));                // i32 keys: an object, keys as text
  EXPECT_TRUE(e["tags"].is_array());
}

TYPED_TEST(CallCodec, AlternativeInputFormsAreAccepted) {
  Codec<TypeParam> codec;
  json e = {{"color", 42},                                                 // an enum by number
            {"stamp", "-12"},                                              // an integer as a string
            {"nested", json::array({json::array({5, {{"k", "AA=="}}})})},  // a map as pairs
            {"maybe_choice", nullptr},                                     // null: left out
            {"defaults", {{"must", "m"}}}};
  auto value = codec.fromJson(e);
  EXPECT_EQ(value.color, interop::Color::BLUE);
  EXPECT_EQ(value.stamp, -12);
  EXPECT_EQ(value.nested.at(5).at("k"), std::string(1, '\0'));
  EXPECT_FALSE(value.__isset.maybe_choice);
}

std::string refusal(const json& value) {
  Codec<TBinaryProtocolT<TMemoryBuffer>> codec;
  try {
    codec.fromJson(value);
  } catch (const JsonInputError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(CallCodecErrors, WrongJsonNamesThePathAndTheExpectedType) {
  json ok_defaults = {{"must", "m"}};
  EXPECT_EQ(refusal({{"primitives", {{"tiny", 300}}}, {"defaults", ok_defaults}}),
            "at value.primitives.tiny: expected i8 (-128 to 127), got 300");
  EXPECT_EQ(refusal({{"tags", {"a", 7}}, {"defaults", ok_defaults}}),
            "at value.tags[1]: expected string, got 7");
  EXPECT_EQ(refusal({{"palette", {{"warm", {"PINK"}}}}, {"defaults", ok_defaults}}),
            "at value.palette[\"warm\"][0]: expected interop.Color (one of RED, GREEN, BLUE, or a "
            "number), got \"PINK\"");
  EXPECT_EQ(refusal({{"primitives", {{"blob", "not base64!"}}}, {"defaults", ok_defaults}}),
            "at value.primitives.blob: expected binary (a base64 string), got \"not base64!\"");
  EXPECT_EQ(refusal({{"colour", "RED"}, {"defaults", ok_defaults}}),
            "at value.colour: interop.Everything has no field colour (it has: primitives, "
            "defaults, choice, color, stamp, path, matrix, tags, palette, nested, many, "
            "maybe_choice)");
  EXPECT_EQ(refusal({{"defaults", json::object()}}),
            "at value.defaults.must: required field of interop.Defaults missing (string)");
  EXPECT_EQ(refusal({{"choice", {{"number", 1}, {"word", "x"}}}, {"defaults", ok_defaults}}),
            "at value.choice: expected at most one field of union interop.Choice (it has 2), got "
            "{\"number\":1,\"word\":\"x\"}");
  EXPECT_EQ(refusal({{"nested", {{"one", json::object()}}}, {"defaults", ok_defaults}}),
            "at value.nested[\"one\"]: expected i32 (-2147483648 to 2147483647), got \"one\"");
  EXPECT_EQ(refusal({{"stamp", 1.5}, {"defaults", ok_defaults}}),
            "at value.stamp: expected i64 (a number, or a decimal string beyond 2^53), got 1.5");
  EXPECT_EQ(refusal(json::array()), "at value: expected an object (interop.Everything), got []");
}

// A schema with a recursive struct, a list and a map, for replies crafted byte by byte.
const Schema& craftedSchema() {
  static const Schema schema = Schema::fromJson(nlohmann::json::parse(R"({
    "root": "t", "enums": {},
    "structs": {"t.Node": {"kind": "struct", "fields": [
      {"id": 1, "name": "next", "type": {"struct": "t.Node"}, "required": "optional"},
      {"id": 2, "name": "words", "type": {"list": "string"}, "required": "optional"},
      {"id": 3, "name": "counts", "type": {"map": ["string", "i32"]}, "required": "optional"}]}},
    "services": {"t.S": {"functions": [{"name": "get", "returns": "i32", "args": [],
      "throws": [{"id": 1, "name": "oops", "type": {"struct": "t.Node"}, "required": "default"}],
      "oneway": false}]}}})"));
  return schema;
}

using Binary = TBinaryProtocolT<TMemoryBuffer>;

Json readNode(Codec<Binary>& codec) {
  return ThriftToJson<Binary>(craftedSchema(), codec.proto).value(structType("t.Node"), 0);
}

TEST(CallCodecHostile, NestingBeyondTheLimitIsRefusedBothWays) {
  Codec<Binary> codec;
  for (int i = 0; i < 100; ++i) {
    codec.proto.writeStructBegin("Node");
    codec.proto.writeFieldBegin("next", apache::thrift::protocol::T_STRUCT, 1);
  }
  try {
    readNode(codec);
    ADD_FAILURE() << "a reply nested 100 deep was read";
  } catch (const apache::thrift::protocol::TProtocolException& e) {
    EXPECT_EQ(e.getType(), apache::thrift::protocol::TProtocolException::DEPTH_LIMIT);
  }
  Json deep = Json::object();
  for (int i = 0; i < 100; ++i) deep = Json{{"next", deep}};
  codec.buffer->resetBuffer();
  try {
    JsonToThrift<Binary>(craftedSchema(), codec.proto).value(structType("t.Node"), deep, "v", 0);
    ADD_FAILURE() << "arguments nested 100 deep were written";
  } catch (const JsonInputError& e) {
    EXPECT_NE(std::string(e.what()).find("nesting at most 64 deep"), std::string::npos) << e.what();
  }
}

TEST(CallCodecHostile, ContainersOfTheWrongElementTypeAreRefusedNotShownEmpty) {
  Codec<Binary> codec;
  codec.proto.writeStructBegin("Node");
  codec.proto.writeFieldBegin("words", apache::thrift::protocol::T_LIST, 2);
  codec.proto.writeListBegin(apache::thrift::protocol::T_I32, 1);
  codec.proto.writeI32(7);
  codec.proto.writeListEnd();
  codec.proto.writeFieldEnd();
  codec.proto.writeFieldStop();
  codec.proto.writeStructEnd();
  EXPECT_THROW(readNode(codec), apache::thrift::protocol::TProtocolException);
  // An empty one says nothing of its elements' type: it is just empty.
  codec.buffer->resetBuffer();
  codec.proto.writeStructBegin("Node");
  codec.proto.writeFieldBegin("words", apache::thrift::protocol::T_LIST, 2);
  codec.proto.writeListBegin(apache::thrift::protocol::T_I32, 0);
  codec.proto.writeListEnd();
  codec.proto.writeFieldEnd();
  codec.proto.writeFieldStop();
  codec.proto.writeStructEnd();
  EXPECT_EQ(readNode(codec), Json({{"words", Json::array()}}));
}

TEST(CallCodecHostile, RepeatedMapKeysKeepTheLastValueInFirstPlace) {
  Codec<Binary> codec;
  codec.proto.writeStructBegin("Node");
  codec.proto.writeFieldBegin("counts", apache::thrift::protocol::T_MAP, 3);
  codec.proto.writeMapBegin(apache::thrift::protocol::T_STRING, apache::thrift::protocol::T_I32, 3);
  for (auto [key, value] : {std::pair{"a", 1}, {"b", 2}, {"a", 3}}) {
    codec.proto.writeString(std::string(key));
    codec.proto.writeI32(value);
  }
  codec.proto.writeMapEnd();
  codec.proto.writeFieldEnd();
  codec.proto.writeFieldStop();
  codec.proto.writeStructEnd();
  Json node = readNode(codec);
  EXPECT_EQ(node.dump(), R"({"counts":{"a":3,"b":2}})");
}

TEST(CallCodecHostile, StringsThatAreNotUtf8PrintWithReplacementCharacters) {
  Json value = std::string("ok \xff\xfe end");
  EXPECT_THROW(value.dump(), nlohmann::json::type_error);  // what toText must avoid
  EXPECT_EQ(toText(value, -1), "\"ok \xEF\xBF\xBD\xEF\xBF\xBD end\"");
}

TEST(CallCodecHostile, ASuccessAndAnExceptionTogetherAreTheSuccess) {
  Codec<Binary> codec;
  codec.proto.writeStructBegin("result");
  codec.proto.writeFieldBegin("oops", apache::thrift::protocol::T_STRUCT, 1);
  codec.proto.writeStructBegin("Node");
  codec.proto.writeFieldStop();
  codec.proto.writeStructEnd();
  codec.proto.writeFieldEnd();
  codec.proto.writeFieldBegin("success", apache::thrift::protocol::T_I32, 0);
  codec.proto.writeI32(5);
  codec.proto.writeFieldEnd();
  codec.proto.writeFieldStop();
  codec.proto.writeStructEnd();
  JsonResult result{craftedSchema(), craftedSchema().function("S.get")};
  result.read(&codec.proto);
  EXPECT_TRUE(result.returned);
  EXPECT_EQ(result.value, 5);
  EXPECT_FALSE(result.exception);  // as Thrift's generated code decides
}

TEST(CallCodecValues, Base64WithOrWithoutPadding) {
  std::string bytes;
  for (int i = 0; i < 26; ++i) bytes.push_back(static_cast<char>(i * 7));  // 35 characters
  std::string padded = binaryTo(bytes).get<std::string>();
  ASSERT_EQ(padded.size(), 36u);
  ASSERT_EQ(padded.back(), '=');
  std::string unpadded = padded.substr(0, padded.find('='));
  EXPECT_EQ(binaryFrom(padded, "b"), bytes);
  EXPECT_EQ(binaryFrom(unpadded, "b"), bytes);  // a short last group has room of its own
  EXPECT_EQ(binaryFrom("AAE", "b"), std::string("\0\x01", 2));
  EXPECT_EQ(binaryFrom("", "b"), "");
  for (const char* bad : {"A", "AAAAA", "AA=", "A===", "AA==A", "AA*A", "===="}) {
    EXPECT_THROW(binaryFrom(bad, "b"), JsonInputError) << bad;
  }
}

TEST(CallSchema, FindsFunctionsInheritedOrNotAndSaysWhatIsThere) {
  const Schema& schema = interopSchema();
  EXPECT_EQ(schema.function("InteropService.add").signature(), "i64 add(1: i32 a, 2: i64 b)");
  EXPECT_EQ(schema.function("InteropService.ping").service, "shared.BaseService");
  EXPECT_EQ(schema.function("interop.InteropService.fail").signature(),
            "void fail(1: i32 code) throws (1: interop.Invalid invalid, 2: shared.NotFound "
            "missing)");
  try {
    schema.function("InteropService.nope");
    ADD_FAILURE() << "found a function the IDL does not have";
  } catch (const SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("has no function nope (it has: ping, echo"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(schema.function("Nope.add"), SchemaError);
  EXPECT_THROW(schema.function("add"), SchemaError);
}

TEST(CallSchema, AnIdlThatDoesNotParseSaysWhereAndWhy) {
  // A directory of its own: two build trees may run this test at once.
  std::string pattern = (std::filesystem::temp_directory_path() / "scales_call_XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  std::filesystem::path dir = pattern;
  auto unparsable = dir / "scales_call_syntax.thrift";
  auto undefined = dir / "scales_call_undefined.thrift";
  { std::ofstream(unparsable) << "struct Broken {\n  1: i32 x\n  2: i32\n}\n"; }
  { std::ofstream(undefined) << "struct Broken {\n  1: nosuchtype y\n}\n"; }
  auto refusal = [](const std::filesystem::path& idl) -> std::string {
    try {
      readIdl({idl, {}, ""});
    } catch (const SchemaError& e) {
      return e.what();
    }
    return "read";
  };
  EXPECT_NE(refusal(unparsable).find("scales_call_syntax.thrift:4: error: syntax error"),
            std::string::npos)
      << refusal(unparsable);
  // Thrift's compiler names an undefined type without its line.
  EXPECT_NE(refusal(undefined).find("Type \"nosuchtype\" not defined"), std::string::npos)
      << refusal(undefined);
  EXPECT_NE(refusal(dir / "scales_call_absent.thrift").find("cannot read IDL file"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scales::call

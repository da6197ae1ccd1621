// SPDX-License-Identifier: Apache-2.0
// An IDL's types and services as scales-call needs them at run time: read from the JSON that
// `thrift-scales --gen scales_schema` writes (generator/compiler/t_scales_schema_generator.cpp).
// Named types are qualified by their program ("shared.Point"); lookups also take the bare name
// when it is unambiguous.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace scales::call {

// A schema that names something it does not define, or a name the user gave that is not there.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TypeRef {
  enum class Kind {
    kVoid,
    kBool,
    kI8,
    kI16,
    kI32,
    kI64,
    kDouble,
    kString,
    kBinary,
    kEnum,
    kStruct,
    kList,
    kSet,
    kMap
  };
  Kind kind = Kind::kVoid;
  std::string name;                // kEnum, kStruct: qualified
  std::shared_ptr<TypeRef> elem;   // kList, kSet; the key of a kMap
  std::shared_ptr<TypeRef> value;  // kMap
  std::string str() const;         // as the IDL spells it: "map<string,list<shared.Point>>"
};

struct FieldDef {
  int16_t id = 0;
  std::string name;
  TypeRef type;
  enum class Required { kDefault, kRequired, kOptional } required = Required::kDefault;
  std::string default_value;  // the IDL's scalar default, as JSON text ("42"); empty: none
};

struct StructDef {
  std::string name;  // qualified
  enum class Kind { kStruct, kUnion, kException } kind = Kind::kStruct;
  std::vector<FieldDef> fields;
  const FieldDef* field(const std::string& name) const;
  const FieldDef* field(int16_t id) const;
};

struct EnumDef {
  std::string name;  // qualified
  std::vector<std::pair<std::string, int32_t>> values;
  const std::string* nameOf(int32_t value) const;  // null: not one of the enum's values
};

struct FunctionDef {
  std::string name;
  std::string service;  // qualified: the service that declares it (a base, when inherited)
  TypeRef returns;
  std::vector<FieldDef> args;
  std::vector<FieldDef> throws;
  bool oneway = false;
  std::string signature() const;  // "i64 add(1: i32 a, 2: i64 b)"
};

struct ServiceDef {
  std::string name;     // qualified
  std::string extends;  // qualified, or empty
  std::vector<FunctionDef> functions;
};

class Schema {
 public:
  // Throws SchemaError when the JSON is not a scales schema, or names an undefined type.
  static Schema fromJson(const nlohmann::json& json);

  const std::string& root() const { return root_; }
  const std::map<std::string, ServiceDef>& services() const { return services_; }
  const std::map<std::string, StructDef>& structs() const { return structs_; }
  const std::map<std::string, EnumDef>& enums() const { return enums_; }

  // By qualified name; null when absent.
  const StructDef* structNamed(const std::string& name) const;
  const EnumDef* enumNamed(const std::string& name) const;
  // "Service.method" or "program.Service.method", inherited functions included. Throws
  // SchemaError naming what is missing (and what there is).
  const FunctionDef& function(const std::string& service_dot_method) const;
  // A service's functions, inherited ones first (base before derived).
  std::vector<const FunctionDef*> functionsOf(const ServiceDef& service) const;
  // A struct, union, exception or enum, by qualified or bare name; throws SchemaError.
  std::string qualify(const std::string& type_name) const;

 private:
  const ServiceDef& service(const std::string& name) const;
  std::string root_;
  std::map<std::string, ServiceDef> services_;
  std::map<std::string, StructDef> structs_;
  std::map<std::string, EnumDef> enums_;
};

}  // namespace scales::call

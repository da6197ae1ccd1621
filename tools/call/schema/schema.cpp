// SPDX-License-Identifier: Apache-2.0
#include "schema/schema.h"

#include <nlohmann/json.hpp>

namespace scales::call {
namespace {
using nlohmann::json;
using Kind = TypeRef::Kind;

const std::map<std::string, Kind>& baseKinds() {
  static const std::map<std::string, Kind> kinds = {
      {"void", Kind::kVoid},     {"bool", Kind::kBool},     {"i8", Kind::kI8},
      {"i16", Kind::kI16},       {"i32", Kind::kI32},       {"i64", Kind::kI64},
      {"double", Kind::kDouble}, {"string", Kind::kString}, {"binary", Kind::kBinary}};
  return kinds;
}

TypeRef readType(const json& j) {
  TypeRef t;
  if (j.is_string()) {
    auto it = baseKinds().find(j.get<std::string>());
    if (it == baseKinds().end()) throw SchemaError("unknown base type " + j.dump());
    t.kind = it->second;
    return t;
  }
  if (!j.is_object() || j.size() != 1) throw SchemaError("malformed type " + j.dump());
  const std::string& key = j.begin().key();
  const json& arg = j.begin().value();
  if (key == "enum" || key == "struct") {
    t.kind = key == "enum" ? Kind::kEnum : Kind::kStruct;
    t.name = arg.get<std::string>();
  } else if (key == "list" || key == "set") {
    t.kind = key == "list" ? Kind::kList : Kind::kSet;
    t.elem = std::make_shared<TypeRef>(readType(arg));
  } else if (key == "map" && arg.is_array() && arg.size() == 2) {
    t.kind = Kind::kMap;
    t.elem = std::make_shared<TypeRef>(readType(arg[0]));
    t.value = std::make_shared<TypeRef>(readType(arg[1]));
  } else {
    throw SchemaError("malformed type " + j.dump());
  }
  return t;
}

std::vector<FieldDef> readFields(const json& j) {
  std::vector<FieldDef> fields;
  for (const auto& f : j) {
    FieldDef field;
    field.id = f.at("id").get<int16_t>();
    field.name = f.at("name").get<std::string>();
    field.type = readType(f.at("type"));
    std::string required = f.at("required").get<std::string>();
    field.required = required == "required"   ? FieldDef::Required::kRequired
                     : required == "optional" ? FieldDef::Required::kOptional
                                              : FieldDef::Required::kDefault;
    if (auto value = f.find("default"); value != f.end()) field.default_value = value->dump();
    fields.push_back(std::move(field));
  }
  return fields;
}

// The program-less part of "program.Name".
std::string bare(const std::string& qualified) {
  auto dot = qualified.find('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

void checkNamed(const Schema& schema, const TypeRef& t, const std::string& where) {
  if (t.kind == Kind::kEnum && !schema.enumNamed(t.name)) {
    throw SchemaError(where + " names undefined enum " + t.name);
  }
  if (t.kind == Kind::kStruct && !schema.structNamed(t.name)) {
    throw SchemaError(where + " names undefined struct " + t.name);
  }
  if (t.elem) checkNamed(schema, *t.elem, where);
  if (t.value) checkNamed(schema, *t.value, where);
}

std::string fieldList(const std::vector<FieldDef>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ", ";
    out += std::to_string(f.id) + ": ";
    if (f.required == FieldDef::Required::kRequired) out += "required ";
    if (f.required == FieldDef::Required::kOptional) out += "optional ";
    out += f.type.str() + " " + f.name;
    if (!f.default_value.empty()) out += " = " + f.default_value;
  }
  return out;
}
}  // namespace

std::string TypeRef::str() const {
  switch (kind) {
    case Kind::kEnum:
    case Kind::kStruct:
      return name;
    case Kind::kList:
      return "list<" + elem->str() + ">";
    case Kind::kSet:
      return "set<" + elem->str() + ">";
    case Kind::kMap:
      return "map<" + elem->str() + "," + value->str() + ">";
    default:
      for (const auto& [spelled, k] : baseKinds()) {
        if (k == kind) return spelled;
      }
      return "?";
  }
}

const FieldDef* StructDef::field(const std::string& wanted) const {
  for (const auto& f : fields) {
    if (f.name == wanted) return &f;
  }
  return nullptr;
}

const FieldDef* StructDef::field(int16_t id) const {
  for (const auto& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const std::string* EnumDef::nameOf(int32_t wanted) const {
  for (const auto& [value_name, value] : values) {
    if (value == wanted) return &value_name;
  }
  return nullptr;
}

std::string FunctionDef::signature() const {
  std::string out =
      (oneway ? "oneway " : "") + returns.str() + " " + name + "(" + fieldList(args) + ")";
  if (!throws.empty()) out += " throws (" + fieldList(throws) + ")";
  return out;
}

Schema Schema::fromJson(const json& j) {
  Schema schema;
  try {
    schema.root_ = j.at("root").get<std::string>();
    for (const auto& [name, values] : j.at("enums").items()) {
      EnumDef e{name, {}};
      for (const auto& v : values) e.values.emplace_back(v.at(0).get<std::string>(), v.at(1));
      schema.enums_.emplace(name, std::move(e));
    }
    for (const auto& [name, s] : j.at("structs").items()) {
      std::string kind = s.at("kind").get<std::string>();
      StructDef def{name,
                    kind == "union"       ? StructDef::Kind::kUnion
                    : kind == "exception" ? StructDef::Kind::kException
                                          : StructDef::Kind::kStruct,
                    readFields(s.at("fields"))};
      schema.structs_.emplace(name, std::move(def));
    }
    for (const auto& [name, s] : j.at("services").items()) {
      ServiceDef service{name, s.value("extends", ""), {}};
      for (const auto& f : s.at("functions")) {
        service.functions.push_back(FunctionDef{
            f.at("name").get<std::string>(), name, readType(f.at("returns")),
            readFields(f.at("args")), readFields(f.at("throws")), f.at("oneway").get<bool>()});
      }
      schema.services_.emplace(name, std::move(service));
    }
  } catch (const json::exception& e) {
    throw SchemaError(std::string("not a scales IDL schema: ") + e.what());
  }
  for (const auto& [name, s] : schema.structs_) {
    for (const auto& f : s.fields) checkNamed(schema, f.type, name + "." + f.name);
  }
  for (const auto& [name, s] : schema.services_) {
    if (!s.extends.empty() && !schema.services_.count(s.extends)) {
      throw SchemaError(name + " extends undefined service " + s.extends);
    }
    for (const auto& f : s.functions) {
      checkNamed(schema, f.returns, name + "." + f.name);
      for (const auto& a : f.args) checkNamed(schema, a.type, name + "." + f.name);
      for (const auto& x : f.throws) checkNamed(schema, x.type, name + "." + f.name);
    }
  }
  return schema;
}

const StructDef* Schema::structNamed(const std::string& name) const {
  auto it = structs_.find(name);
  return it == structs_.end() ? nullptr : &it->second;
}

const EnumDef* Schema::enumNamed(const std::string& name) const {
  auto it = enums_.find(name);
  return it == enums_.end() ? nullptr : &it->second;
}

const ServiceDef& Schema::service(const std::string& name) const {
  if (auto it = services_.find(name); it != services_.end()) return it->second;
  // A bare name: the root program's service first, then one that is unique.
  if (auto it = services_.find(root_ + "." + name); it != services_.end()) return it->second;
  const ServiceDef* found = nullptr;
  std::string known;
  for (const auto& [qualified, s] : services_) {
    known += (known.empty() ? "" : ", ") + qualified;
    if (bare(qualified) != name) continue;
    if (found) throw SchemaError("service " + name + " is ambiguous: say which program's");
    found = &s;
  }
  if (!found) {
    throw SchemaError("no service " + name +
                      " in the IDL (services: " + (known.empty() ? "none" : known) + ")");
  }
  return *found;
}

std::vector<const FunctionDef*> Schema::functionsOf(const ServiceDef& s) const {
  std::vector<const ServiceDef*> chain;
  for (const ServiceDef* at = &s; at != nullptr;) {
    for (const ServiceDef* seen : chain) {
      if (seen == at) throw SchemaError("service " + s.name + " extends itself");
    }
    chain.push_back(at);
    at = at->extends.empty() ? nullptr : &services_.at(at->extends);
  }
  std::vector<const FunctionDef*> functions;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& f : (*it)->functions) functions.push_back(&f);
  }
  return functions;
}

const FunctionDef& Schema::function(const std::string& service_dot_method) const {
  auto dot = service_dot_method.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == service_dot_method.size()) {
    throw SchemaError("'" + service_dot_method + "' is not Service.method");
  }
  const ServiceDef& s = service(service_dot_method.substr(0, dot));
  std::string method = service_dot_method.substr(dot + 1);
  std::string known;
  for (const FunctionDef* f : functionsOf(s)) {
    if (f->name == method) return *f;
    known += (known.empty() ? "" : ", ") + f->name;
  }
  throw SchemaError("service " + s.name + " has no function " + method +
                    " (it has: " + (known.empty() ? "none" : known) + ")");
}

std::string Schema::qualify(const std::string& type_name) const {
  if (structs_.count(type_name) || enums_.count(type_name)) return type_name;
  std::string qualified = root_ + "." + type_name;
  if (structs_.count(qualified) || enums_.count(qualified)) return qualified;
  std::string found;
  auto consider = [&](const std::string& name) {
    if (bare(name) != type_name) return;
    if (!found.empty())
      throw SchemaError("type " + type_name + " is ambiguous: say which program's");
    found = name;
  };
  for (const auto& [name, s] : structs_) consider(name);
  for (const auto& [name, e] : enums_) consider(name);
  if (found.empty()) throw SchemaError("no struct, union, exception or enum " + type_name);
  return found;
}

}  // namespace scales::call

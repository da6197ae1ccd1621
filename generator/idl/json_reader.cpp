// SPDX-License-Identifier: Apache-2.0
#include "json_reader.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace scales::gen::idl {
namespace {
using nlohmann::json;

const json& require(const json& node, const char* key, const std::string& where) {
  auto it = node.find(key);
  if (it == node.end()) throw IdlError(where + ": missing '" + key + "' in compiler output");
  return *it;
}

Type readType(const std::string& type_id, const json* spec, const std::string& where);

// Container element types come as "<role>TypeId" plus an optional "<role>Type" object.
std::shared_ptr<Type> readChild(const json& spec, const std::string& role,
                                const std::string& where) {
  const json& id = require(spec, (role + "TypeId").c_str(), where);
  auto it = spec.find(role + "Type");
  return std::make_shared<Type>(
      readType(id.get<std::string>(), it == spec.end() ? nullptr : &*it, where));
}

Type readType(const std::string& type_id, const json* spec, const std::string& where) {
  using K = Type::Kind;
  static const std::map<std::string, K> scalars = {
      {"void", K::kVoid},     {"bool", K::kBool},     {"i8", K::kByte},
      {"i16", K::kI16},       {"i32", K::kI32},       {"i64", K::kI64},
      {"double", K::kDouble}, {"string", K::kString}, {"binary", K::kBinary}};
  Type type;
  if (auto it = scalars.find(type_id); it != scalars.end()) {
    type.kind = it->second;
    return type;
  }
  if (spec == nullptr) throw IdlError(where + ": type '" + type_id + "' has no type description");
  if (type_id == "struct" || type_id == "union" || type_id == "exception") {
    type.kind = K::kStruct;
    type.struct_class = require(*spec, "class", where).get<std::string>();
  } else if (type_id == "list" || type_id == "set") {
    type.kind = type_id == "list" ? K::kList : K::kSet;
    type.elem = readChild(*spec, "elem", where);
  } else if (type_id == "map") {
    type.kind = K::kMap;
    type.key = readChild(*spec, "key", where);
    type.value = readChild(*spec, "value", where);
  } else {
    throw IdlError(where + ": unsupported type '" + type_id + "'");
  }
  return type;
}

Type readTypeOf(const json& node, const char* id_key, const char* spec_key,
                const std::string& where) {
  auto spec = node.find(spec_key);
  return readType(require(node, id_key, where).get<std::string>(),
                  spec == node.end() ? nullptr : &*spec, where);
}

std::vector<Field> readFields(const json& list, const std::string& where) {
  std::vector<Field> fields;
  for (const auto& f : list) {
    Field field;
    field.name = require(f, "name", where).get<std::string>();
    field.id = require(f, "key", where + "." + field.name).get<int>();
    field.type = readTypeOf(f, "typeId", "type", where + "." + field.name);
    if (auto spec = f.find("type"); spec != f.end() && spec->is_object()) {
      if (auto a = spec->find("annotations"); a != spec->end()) {
        for (const auto& [k, v] : a->items()) field.type_annotations[k] = v.get<std::string>();
      }
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

Program readProgram(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw IdlError("cannot read compiler output " + file.string());
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw IdlError("compiler output " + file.string() + " is not JSON: " + e.what());
  }
  Program program;
  program.name = require(doc, "name", file.string()).get<std::string>();
  const json& namespaces = require(doc, "namespaces", program.name);
  if (auto it = namespaces.find("cpp"); it != namespaces.end()) {
    program.cpp_namespace = it->get<std::string>();
  }
  for (const auto& inc : require(doc, "includes", program.name)) {
    program.includes.push_back(inc.get<std::string>());
  }
  for (const auto& s : require(doc, "services", program.name)) {
    Service service;
    service.name = require(s, "name", program.name).get<std::string>();
    std::string where = program.name + "." + service.name;
    service.doc = s.value("doc", "");
    service.extends = s.value("extends", "");
    for (const auto& f : require(s, "functions", where)) {
      Function fn;
      fn.program = program.name;
      fn.name = require(f, "name", where).get<std::string>();
      std::string fwhere = where + "." + fn.name;
      fn.doc = f.value("doc", "");
      fn.oneway = f.value("oneway", false);
      fn.returns = readTypeOf(f, "returnTypeId", "returnType", fwhere + " (return type)");
      fn.args = readFields(require(f, "arguments", fwhere), fwhere);
      fn.exceptions = readFields(require(f, "exceptions", fwhere), fwhere);
      if (auto a = f.find("annotations"); a != f.end()) {
        for (const auto& [k, v] : a->items()) fn.annotations[k] = v.get<std::string>();
      }
      service.functions.push_back(std::move(fn));
    }
    program.services.push_back(std::move(service));
  }
  return program;
}

void readRecursive(const std::filesystem::path& dir, const std::string& name, Model& model) {
  if (model.programs.count(name)) return;
  Program program = readProgram(dir / (name + ".json"));
  auto includes = program.includes;
  model.programs.emplace(name, std::move(program));
  for (const auto& inc : includes) readRecursive(dir, inc, model);
}

}  // namespace

Model readModel(const std::filesystem::path& json_dir, const std::string& root) {
  Model model;
  model.root = root;
  readRecursive(json_dir, root, model);
  return model;
}

}  // namespace scales::gen::idl

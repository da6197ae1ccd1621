// SPDX-License-Identifier: Apache-2.0
#include "cpp_names.h"

namespace scales::gen::idl {
namespace {

std::string structName(const Model& model, const std::string& program, const std::string& cls) {
  std::string owner = program;
  std::string name = cls;
  if (auto dot = cls.rfind('.'); dot != std::string::npos) {
    owner = cls.substr(0, dot);
    name = cls.substr(dot + 1);
  }
  auto it = model.programs.find(owner);
  if (it == model.programs.end()) throw IdlError("type '" + cls + "' names an unknown program");
  std::string ns = cppNamespace(it->second);
  return ns.empty() ? "::" + name : "::" + ns + "::" + name;
}

}  // namespace

std::string typesStem(const Program& program) {
  std::string stem = program.name;
  for (char& c : stem) {
    if (c == '.') c = '_';
  }
  return stem;
}

std::string cppNamespace(const Program& program) {
  std::string out;
  for (char c : program.cpp_namespace) {
    if (c == '.') {
      out += "::";
    } else {
      out += c;
    }
  }
  return out;
}

std::string cppType(const Model& model, const std::string& program, const Type& type) {
  using K = Type::Kind;
  switch (type.kind) {
    case K::kVoid:
      return "void";
    case K::kBool:
      return "bool";
    case K::kByte:
      return "int8_t";
    case K::kI16:
      return "int16_t";
    case K::kI32:
      return "int32_t";
    case K::kI64:
      return "int64_t";
    case K::kDouble:
      return "double";
    case K::kString:
    case K::kBinary:
      return "std::string";
    case K::kStruct:
      return structName(model, program, type.name);
    case K::kEnum:  // Thrift's C++ enums are `struct Color { enum type {...}; }`
      return structName(model, program, type.name) + "::type";
    case K::kList:
      return "std::vector<" + cppType(model, program, *type.elem) + ">";
    case K::kSet:
      return "std::set<" + cppType(model, program, *type.elem) + ">";
    case K::kMap:
      return "std::map<" + cppType(model, program, *type.key) + ", " +
             cppType(model, program, *type.value) + ">";
  }
  return "void";
}

std::string cppParamType(const Model& model, const std::string& program, const Type& type) {
  using K = Type::Kind;
  switch (type.kind) {
    case K::kBool:
    case K::kByte:
    case K::kI16:
    case K::kI32:
    case K::kI64:
    case K::kDouble:
    case K::kEnum:
      return cppType(model, program, type);
    default:
      return "const " + cppType(model, program, type) + "&";
  }
}

std::string wireDescriptor(const Model& model, const std::string& program, const Type& type) {
  using K = Type::Kind;
  const std::string w = "::scales::thrift::wire::";
  switch (type.kind) {
    case K::kVoid:
      throw IdlError("void has no wire form");
    case K::kBool:
      return w + "Bool";
    case K::kByte:
      return w + "Byte";
    case K::kI16:
      return w + "I16";
    case K::kI32:
      return w + "I32";
    case K::kI64:
      return w + "I64";
    case K::kDouble:
      return w + "Double";
    case K::kString:
      return w + "String";
    case K::kBinary:
      return w + "Binary";
    case K::kStruct:
      return w + "Struct<" + structName(model, program, type.name) + ">";
    case K::kEnum:
      return w + "Enum<" + structName(model, program, type.name) + "::type>";
    case K::kList:
      return w + "List<" + wireDescriptor(model, program, *type.elem) + ">";
    case K::kSet:
      return w + "Set<" + wireDescriptor(model, program, *type.elem) + ">";
    case K::kMap:
      return w + "Map<" + wireDescriptor(model, program, *type.key) + ", " +
             wireDescriptor(model, program, *type.value) + ">";
  }
  return {};
}

}  // namespace scales::gen::idl

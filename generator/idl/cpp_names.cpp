// SPDX-License-Identifier: Apache-2.0
#include "cpp_names.h"

#include <set>

namespace scales::gen::idl {
namespace {

std::string structName(const Model& model, const std::string& program, const std::string& cls) {
  std::string owner = program;
  std::string name = cls;
  if (auto dot = cls.find('.'); dot != std::string::npos) {
    owner = cls.substr(0, dot);
    name = cls.substr(dot + 1);
  }
  auto it = model.programs.find(owner);
  if (it == model.programs.end()) throw IdlError("type '" + cls + "' names an unknown program");
  std::string ns = cppNamespace(it->second);
  return ns.empty() ? "::" + name : "::" + ns + "::" + name;
}

}  // namespace

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
      return structName(model, program, type.struct_class);
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
      return w + "Struct<" + structName(model, program, type.struct_class) + ">";
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

void checkIdentifier(const std::string& name, const std::string& what) {
  static const std::set<std::string> reserved = {"alignas",       "alignof",     "and",
                                                 "and_eq",        "asm",         "auto",
                                                 "bitand",        "bitor",       "bool",
                                                 "break",         "case",        "catch",
                                                 "char",          "char8_t",     "char16_t",
                                                 "char32_t",      "class",       "compl",
                                                 "concept",       "const",       "consteval",
                                                 "constexpr",     "constinit",   "const_cast",
                                                 "continue",      "co_await",    "co_return",
                                                 "co_yield",      "decltype",    "default",
                                                 "delete",        "do",          "double",
                                                 "dynamic_cast",  "else",        "enum",
                                                 "explicit",      "export",      "extern",
                                                 "false",         "float",       "for",
                                                 "friend",        "goto",        "if",
                                                 "inline",        "int",         "long",
                                                 "mutable",       "namespace",   "new",
                                                 "noexcept",      "not",         "not_eq",
                                                 "nullptr",       "operator",    "or",
                                                 "or_eq",         "private",     "protected",
                                                 "public",        "register",    "reinterpret_cast",
                                                 "requires",      "return",      "short",
                                                 "signed",        "sizeof",      "static",
                                                 "static_assert", "static_cast", "struct",
                                                 "switch",        "template",    "this",
                                                 "thread_local",  "throw",       "true",
                                                 "try",           "typedef",     "typeid",
                                                 "typename",      "union",       "unsigned",
                                                 "using",         "virtual",     "void",
                                                 "volatile",      "wchar_t",     "while",
                                                 "xor",           "xor_eq"};
  if (reserved.count(name)) {
    throw IdlError("unsupported: " + what + " '" + name + "' is a C++ keyword");
  }
  if (name.rfind("scales_", 0) == 0) {
    throw IdlError("unsupported: " + what + " '" + name +
                   "' starts with scales_, which the generated code reserves for its own names");
  }
  // The generated stubs use these names themselves.
  static const std::set<std::string> ours = {"make",  "thriftClient",    "dispatch",
                                             "token", "CompletionToken", "reply"};
  if (ours.count(name)) {
    throw IdlError("unsupported: " + what + " '" + name +
                   "' clashes with a name the generated service code uses");
  }
}

}  // namespace scales::gen::idl

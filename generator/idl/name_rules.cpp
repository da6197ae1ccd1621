// SPDX-License-Identifier: Apache-2.0
#include "name_rules.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace scales::gen::idl {
namespace {

const std::set<std::string>& cppKeywords() {
  static const std::set<std::string> words = {"alignas",       "alignof",     "and",
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
  return words;
}

// Names generated code spells unqualified (fixed-width integer types, in Thrift's structs too) or
// as the first part of a qualified name (std::, boost::, apache::thrift::, scales::): an IDL name
// that takes one hides the type or namespace.
const std::set<std::string>& spelledNames() {
  static const std::set<std::string> names = {
      "int8_t",   "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
      "uint64_t", "size_t",  "std",     "boost",   "apache",  "scales"};
  return names;
}

// Every macro defined once the headers of generated code are included, gathered at build time
// (generator/idl/macro_probe.cpp, cmake/SystemMacros.cmake): such a name is replaced before C++
// sees it. Sorted.
const char* const kSystemMacros[] = {
#include "system_macros.inc"
};

bool isSystemMacro(const std::string& name) {
  return std::binary_search(std::begin(kSystemMacros), std::end(kSystemMacros), name.c_str(),
                            [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
}

// Members of the structs `thrift --gen cpp` writes, which a field cannot also be called.
void checkThriftStructField(const Declaration& field) {
  static const std::set<std::string> members = {"read", "write", "printTo"};
  std::string why;
  if (members.count(field.name)) {
    why = "Thrift's generated " + field.owner_kind + " has a member function of that name";
  } else if (field.name == field.owner) {
    why = "it is the name of its " + field.owner_kind + " (a C++ constructor)";
  } else if (field.owner_kind == "exception" && field.name == "what") {
    why = "Thrift's generated exception has a member function what()";
  } else if (field.name.rfind("__", 0) == 0) {
    why = "names that start with __ are reserved (Thrift's structs use __isset and __set_*)";
  } else if (std::count(field.owner_type_names.begin(), field.owner_type_names.end(), field.name)) {
    why = "a field of " + field.owner + " has the type of that name, which Thrift's C++ " +
          field.owner_kind + " spells where the member hides it";
  }
  if (!why.empty()) {
    throw IdlError("unsupported: " + field.what + " '" + field.name + "': " + why, field.loc);
  }
}

}  // namespace

void checkScalesAnnotations(const Annotations& annotations, const std::set<std::string>& known,
                            const std::string& what, const Location& where) {
  for (const auto& [key, value] : annotations) {
    if (key.rfind("scales.", 0) != 0 || known.count(key)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw IdlError("unknown annotation " + key + " on " + what +
                       (known.empty() ? std::string(" (no scales.* annotation applies here)")
                                      : "; known here: " + list),
                   where);
  }
}

bool booleanAnnotation(const Annotations& annotations, const std::string& key,
                       const std::string& what, const Location& where) {
  auto it = annotations.find(key);
  if (it == annotations.end()) return false;
  if (it->second != "true" && it->second != "false") {
    throw IdlError(
        key + " on " + what + " must be \"true\" or \"false\", not \"" + it->second + "\"", where);
  }
  return it->second == "true";
}

void checkIdentifier(const std::string& name, const std::string& what, const Location& where) {
  auto refuse = [&](const std::string& why) {
    throw IdlError("unsupported: " + what + " '" + name + "' " + why, where);
  };
  if (cppKeywords().count(name)) refuse("is a C++ keyword");
  if (name.find('.') != std::string::npos) refuse("has a dot, which a C++ name cannot");
  if (spelledNames().count(name)) {
    refuse("would hide a type or namespace the generated code names");
  }
  if (isSystemMacro(name)) refuse("is a macro of the system headers generated code includes");
  // Namespaces hold no generated member or local, which is what the prefix keeps apart.
  if (name.rfind("scales_", 0) == 0 && what != "namespace part") {
    refuse("starts with scales_, which the generated code reserves for its own names");
  }
}

void checkArgumentName(const std::string& name, const Location& where) {
  checkIdentifier(name, "argument", where);
  if (name == "CompletionToken") {
    throw IdlError(
        "unsupported: argument 'CompletionToken' clashes with the async call's "
        "template parameter",
        where);
  }
}

void checkFunctionName(const std::string& service, const Function& fn) {
  checkIdentifier(fn.name, "function", fn.loc);
  if (fn.name == "make" || fn.name == "thriftClient") {
    throw IdlError("unsupported: function '" + fn.name + "' clashes with a name the generated " +
                       service + "Client uses",
                   fn.loc);
  }
  for (const char* suffix : {"Client", "Handler", "AsyncHandler"}) {
    if (fn.name == service + suffix) {
      throw IdlError("unsupported: function '" + fn.name +
                         "' has the name of the generated class " + service + suffix +
                         ", which cannot have a member of its own name",
                     fn.loc);
    }
  }
}

void checkDeclarations(const Program& program) {
  if (!program.cpp_namespace.empty()) {
    std::string part;
    for (size_t i = 0; i <= program.cpp_namespace.size(); ++i) {
      if (i == program.cpp_namespace.size() || program.cpp_namespace[i] == '.') {
        checkIdentifier(part, "namespace part", program.namespace_loc);
        part.clear();
      } else {
        part += program.cpp_namespace[i];
      }
    }
  }
  // The classes (and a namespace) each service generates, by name.
  std::map<std::string, const Service*> generated;
  for (const auto& service : program.services) {
    for (const char* suffix : {"Client", "Handler", "AsyncHandler", "Dispatcher", "_scales"}) {
      auto [it, fresh] = generated.emplace(service.name + suffix, &service);
      if (!fresh) {
        throw IdlError("unsupported: service '" + service.name + "' generates " + it->first +
                           ", which service '" + it->second->name + "' generates too",
                       service.loc);
      }
    }
  }
  for (const auto& d : program.declarations) {
    checkIdentifier(d.name, d.what, d.loc);
    if (generated.count(d.name)) {
      throw IdlError("unsupported: " + d.what + " '" + d.name +
                         "' has the name of a class (or namespace) service " +
                         generated.at(d.name)->name + " generates",
                     d.loc);
    }
    if (!d.owner.empty() && d.owner_kind != "enum") checkThriftStructField(d);
    bool exception = d.what == "exception";
    checkScalesAnnotations(d.annotations,
                           exception ? std::set<std::string>{"scales.retryable", "scales.failure"}
                                     : std::set<std::string>{},
                           d.what + " " + d.name, d.loc);
    if (exception) {
      booleanAnnotation(d.annotations, "scales.retryable", "exception " + d.name, d.loc);
      booleanAnnotation(d.annotations, "scales.failure", "exception " + d.name, d.loc);
    }
  }
}

}  // namespace scales::gen::idl

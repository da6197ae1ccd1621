// SPDX-License-Identifier: Apache-2.0
// The IDL model: plain data read from `thrift --gen json`. Nothing here knows about C++ or
// templates; cpp_names maps it to C++ and the views map it to mustache data.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace scales::gen::idl {

// The IDL uses something scales cannot generate, or the compiler output is not what we expect.
class IdlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Type {
  enum class Kind {
    kVoid,
    kBool,
    kByte,
    kI16,
    kI32,
    kI64,
    kDouble,
    kString,
    kBinary,
    kStruct,
    kList,
    kSet,
    kMap
  };
  Kind kind = Kind::kVoid;
  std::string struct_class;     // kStruct: "Name" or "program.Name", as the JSON gives it
  std::shared_ptr<Type> elem;   // kList, kSet
  std::shared_ptr<Type> key;    // kMap
  std::shared_ptr<Type> value;  // kMap
};

struct Field {
  int id = 0;
  std::string name;
  Type type;
  std::map<std::string, std::string> type_annotations;  // on the field's struct/exception type
};

struct Function {
  std::string name;
  std::string doc;
  Type returns;
  std::vector<Field> args;
  std::vector<Field> exceptions;
  bool oneway = false;
  std::map<std::string, std::string> annotations;
  std::string program;  // the program the function was declared in (matters for inheritance)
};

struct Service {
  std::string name;
  std::string doc;
  std::string extends;  // "", "Base" or "program.Base"
  std::vector<Function> functions;
};

struct Program {
  std::string name;           // the IDL file's stem
  std::string cpp_namespace;  // "a.b" as written, may be empty
  std::vector<std::string> includes;
  std::vector<Service> services;
};

// The file asked for and every program it includes, by name.
struct Model {
  std::string root;
  std::map<std::string, Program> programs;
  const Program& rootProgram() const { return programs.at(root); }
};

}  // namespace scales::gen::idl

namespace scales::gen::idl {

// The service's functions with those it inherits (base first), each tagged with its program.
// Throws IdlError for an unknown base, a cycle, or a function name declared twice in the chain.
std::vector<Function> allFunctions(const Model& model, const Program& program,
                                   const Service& service);

}  // namespace scales::gen::idl

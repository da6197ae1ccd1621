// SPDX-License-Identifier: Apache-2.0
// The IDL model: plain data read from Thrift's parsed program (compiler/program_reader). Nothing
// here knows about C++ or templates; cpp_names maps it to C++ and the views map it to mustache
// data.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace scales::gen::idl {

// Where a declaration is written: the IDL file and its line (0 when it could not be found).
struct Location {
  std::string file;
  int line = 0;
  std::string str() const;  // "file:line", or "file" without a line
};

// The IDL uses something scales cannot generate. `where` names the declaration at fault.
class IdlError : public std::runtime_error {
 public:
  IdlError(const std::string& message, Location where = {})
      : std::runtime_error(message), where_(std::move(where)) {}
  const Location& where() const { return where_; }

 private:
  Location where_;
};

using Annotations = std::map<std::string, std::string>;

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
    kEnum,
    kStruct,
    kList,
    kSet,
    kMap
  };
  Kind kind = Kind::kVoid;
  // kStruct, kEnum: "Name", or "program.Name" when declared in another program than the one
  // that uses it (the function's program).
  std::string name;
  std::shared_ptr<Type> elem;   // kList, kSet
  std::shared_ptr<Type> key;    // kMap
  std::shared_ptr<Type> value;  // kMap
};

struct Field {
  int id = 0;
  std::string name;
  Type type;
  Annotations annotations;       // on the field itself
  Annotations type_annotations;  // on the field's struct/exception type
  Location loc;
};

struct Function {
  std::string name;
  std::string service;              // the service that declares it (a base, for inherited ones)
  Annotations service_annotations;  // that service's annotations: the function's defaults
  Location service_loc;
  std::string doc;
  Type returns;
  std::vector<Field> args;
  std::vector<Field> exceptions;
  bool oneway = false;
  Annotations annotations;
  std::string program;  // the program the function was declared in (matters for inheritance)
  Location loc;
};

struct Service {
  std::string name;
  std::string doc;
  std::string extends;  // "", "Base" or "program.Base"
  std::vector<Function> functions;
  Annotations annotations;
  Location loc;
};

// Any other named thing the program declares (types, fields, enum values, constants), checked
// against the names C++ and the generated code cannot take.
struct Declaration {
  std::string what;  // "struct", "field of struct Foo", "value of enum Color", ...
  std::string name;
  std::string owner_kind;  // members: "struct", "union", "exception" or "enum"; else empty
  std::string owner;       // members: the struct or enum they belong to
  // Fields: the names of this program's types that the owner's fields spell (`1: Color c` spells
  // Color), which Thrift's C++ struct writes unqualified inside the struct.
  std::vector<std::string> owner_type_names;
  Annotations annotations;
  Location loc;
};

struct Program {
  std::string name;  // the IDL file's stem
  std::string path;  // the IDL file as the compiler opened it
  std::string
      cpp_namespace;  // "a.b" as written (`namespace cpp`, else `namespace *`), may be empty
  Location namespace_loc;
  std::vector<std::string> includes;
  std::vector<Service> services;
  std::vector<Declaration> declarations;
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

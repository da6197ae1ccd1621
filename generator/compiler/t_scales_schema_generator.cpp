// SPDX-License-Identifier: Apache-2.0
// `thrift-scales --gen scales_schema FILE.thrift`: the IDL's types and services as one JSON file,
// `<stem>.schema.json`, for tools that read an IDL at run time (scales-call). Thrift's own `json`
// generator writes enums as i32, which would lose enum names; this one keeps every named type,
// qualified by its program ("shared.Point"), with typedefs resolved. The format:
//   {"root": "interop",
//    "enums":    {"interop.Color": [["RED", 1], ...]},
//    "structs":  {"interop.Choice": {"kind": "union", "fields": [FIELD...]}},
//    "services": {"interop.InteropService": {"extends": "shared.BaseService",
//                 "functions": [{"name", "returns": TYPE, "args": [FIELD...],
//                                "throws": [FIELD...], "oneway": bool}]}}}
//   FIELD = {"id": 1, "name": "x", "type": TYPE, "required": "required"|"optional"|"default",
//            "default": a scalar default value, when the IDL gives one}
//   TYPE  = "void"|"bool"|"i8"|"i16"|"i32"|"i64"|"double"|"string"|"binary"
//         | {"enum": NAME} | {"struct": NAME} | {"list": TYPE} | {"set": TYPE}
//         | {"map": [TYPE, TYPE]}
#include <thrift/generate/t_generator.h>
#include <thrift/generate/t_generator_registry.h>
#include <thrift/parse/t_base_type.h>
#include <thrift/parse/t_const_value.h>
#include <thrift/parse/t_enum.h>
#include <thrift/parse/t_list.h>
#include <thrift/parse/t_map.h>
#include <thrift/parse/t_program.h>
#include <thrift/parse/t_service.h>
#include <thrift/parse/t_set.h>
#include <thrift/parse/t_struct.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace {
using nlohmann::json;

std::string qualified(const t_type* type) {
  const t_program* owner = type->get_program();
  return owner == nullptr ? type->get_name() : owner->get_name() + "." + type->get_name();
}

json typeOf(t_type* declared) {
  t_type* t = declared->get_true_type();
  if (t->is_base_type()) {
    switch (static_cast<t_base_type*>(t)->get_base()) {
      case t_base_type::TYPE_VOID:
        return "void";
      case t_base_type::TYPE_STRING:
        return t->is_binary() ? "binary" : "string";
      case t_base_type::TYPE_BOOL:
        return "bool";
      case t_base_type::TYPE_I8:
        return "i8";
      case t_base_type::TYPE_I16:
        return "i16";
      case t_base_type::TYPE_I32:
        return "i32";
      case t_base_type::TYPE_I64:
        return "i64";
      case t_base_type::TYPE_DOUBLE:
        return "double";
    }
  }
  if (t->is_enum()) return {{"enum", qualified(t)}};
  if (t->is_struct() || t->is_xception()) return {{"struct", qualified(t)}};
  if (t->is_list()) return {{"list", typeOf(static_cast<t_list*>(t)->get_elem_type())}};
  if (t->is_set()) return {{"set", typeOf(static_cast<t_set*>(t)->get_elem_type())}};
  if (t->is_map()) {
    auto* map = static_cast<t_map*>(t);
    return {{"map", json::array({typeOf(map->get_key_type()), typeOf(map->get_val_type())})}};
  }
  throw std::runtime_error("type " + t->get_name() + " has no JSON schema form");
}

json fieldsOf(t_struct* fields) {
  json out = json::array();
  for (t_field* field : fields->get_members()) {
    const char* required = field->get_req() == t_field::T_REQUIRED   ? "required"
                           : field->get_req() == t_field::T_OPTIONAL ? "optional"
                                                                     : "default";
    json entry = {{"id", field->get_key()},
                  {"name", field->get_name()},
                  {"type", typeOf(field->get_type())},
                  {"required", required}};
    // Scalar defaults only, for display: a default struct or container is left out.
    if (const t_const_value* value = field->get_value()) {
      if (value->get_type() == t_const_value::CV_INTEGER) entry["default"] = value->get_integer();
      if (value->get_type() == t_const_value::CV_DOUBLE) entry["default"] = value->get_double();
      if (value->get_type() == t_const_value::CV_STRING) entry["default"] = value->get_string();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

void addProgram(t_program* program, json& schema, std::vector<t_program*>& seen) {
  for (t_program* done : seen) {
    if (done == program) return;
  }
  seen.push_back(program);
  for (t_enum* e : program->get_enums()) {
    json values = json::array();
    for (t_enum_value* value : e->get_constants()) {
      values.push_back(json::array({value->get_name(), value->get_value()}));
    }
    schema["enums"][qualified(e)] = std::move(values);
  }
  for (t_struct* s : program->get_objects()) {
    const char* kind = s->is_xception() ? "exception" : s->is_union() ? "union" : "struct";
    schema["structs"][qualified(s)] = {{"kind", kind}, {"fields", fieldsOf(s)}};
  }
  for (t_service* service : program->get_services()) {
    json functions = json::array();
    for (t_function* f : service->get_functions()) {
      functions.push_back({{"name", f->get_name()},
                           {"returns", typeOf(f->get_returntype())},
                           {"args", fieldsOf(f->get_arglist())},
                           {"throws", fieldsOf(f->get_xceptions())},
                           {"oneway", f->is_oneway()}});
    }
    json entry = {{"functions", std::move(functions)}};
    if (service->get_extends() != nullptr) entry["extends"] = qualified(service->get_extends());
    schema["services"][qualified(service)] = std::move(entry);
  }
  for (t_program* include : program->get_includes()) addProgram(include, schema, seen);
}

}  // namespace

class t_scales_schema_generator : public t_generator {
 public:
  t_scales_schema_generator(t_program* program, const std::map<std::string, std::string>& options,
                            const std::string& /*option_string*/)
      : t_generator(program) {
    for (const auto& [key, value] : options) {
      throw std::invalid_argument("unknown option scales_schema:" + key + " (it takes none)");
    }
    out_dir_base_ = "gen-scales-schema";
  }

  // Thrift's compiler catches only some exception types: anything thrown here is reported as the
  // IDL's error, not an abort.
  void generate_program() override {
    try {
      writeSchema();
    } catch (const std::exception& e) {
      std::cerr << program_->get_path() << ": error: " << e.what() << std::endl;
      std::exit(1);
    }
  }

  void generate_typedef(t_typedef*) override {}
  void generate_enum(t_enum*) override {}
  void generate_struct(t_struct*) override {}
  void generate_service(t_service*) override {}

 protected:
  std::set<std::string> lang_keywords() const override { return {}; }

 private:
  void writeSchema() {
    json schema = {{"root", program_->get_name()},
                   {"enums", json::object()},
                   {"structs", json::object()},
                   {"services", json::object()}};
    std::vector<t_program*> seen;
    addProgram(program_, schema, seen);
    std::filesystem::path out = get_out_dir();
    std::filesystem::create_directories(out);
    std::filesystem::path file = out / (program_->get_name() + ".schema.json");
    std::ofstream stream(file);
    // IDL strings need not be UTF-8: such bytes become U+FFFD rather than failing.
    stream << schema.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    stream.close();
    if (!stream) throw std::runtime_error("cannot write " + file.string());
  }
};

THRIFT_REGISTER_GENERATOR(scales_schema,
                          "scales IDL schema (JSON: types and services, for scales-call)", "")

// SPDX-License-Identifier: Apache-2.0
#include "program_reader.h"

#include <thrift/parse/t_base_type.h>
#include <thrift/parse/t_const.h>
#include <thrift/parse/t_enum.h>
#include <thrift/parse/t_list.h>
#include <thrift/parse/t_map.h>
#include <thrift/parse/t_program.h>
#include <thrift/parse/t_service.h>
#include <thrift/parse/t_set.h>
#include <thrift/parse/t_struct.h>
#include <thrift/parse/t_typedef.h>

#include "idl/source_locator.h"

namespace scales::gen::compiler {
namespace {
using idl::Type;

// "Name" when declared in `user`'s program, "program.Name" otherwise.
std::string typeName(const t_type* type, const t_program* user) {
  const t_program* owner = type->get_program();
  return owner == nullptr || owner == user ? type->get_name()
                                           : owner->get_name() + "." + type->get_name();
}

Type readType(t_type* declared, const t_program* user, const idl::Location& where) {
  using K = Type::Kind;
  t_type* t = declared->get_true_type();
  Type out;
  if (t->is_base_type()) {
    switch (static_cast<t_base_type*>(t)->get_base()) {
      case t_base_type::TYPE_VOID:
        out.kind = K::kVoid;
        break;
      case t_base_type::TYPE_STRING:
        out.kind = t->is_binary() ? K::kBinary : K::kString;
        break;
      case t_base_type::TYPE_BOOL:
        out.kind = K::kBool;
        break;
      case t_base_type::TYPE_I8:
        out.kind = K::kByte;
        break;
      case t_base_type::TYPE_I16:
        out.kind = K::kI16;
        break;
      case t_base_type::TYPE_I32:
        out.kind = K::kI32;
        break;
      case t_base_type::TYPE_I64:
        out.kind = K::kI64;
        break;
      case t_base_type::TYPE_DOUBLE:
        out.kind = K::kDouble;
        break;
    }
  } else if (t->is_enum()) {
    out.kind = K::kEnum;
    out.name = typeName(t, user);
  } else if (t->is_struct() || t->is_xception()) {
    out.kind = K::kStruct;
    out.name = typeName(t, user);
  } else if (t->is_list()) {
    out.kind = K::kList;
    out.elem =
        std::make_shared<Type>(readType(static_cast<t_list*>(t)->get_elem_type(), user, where));
  } else if (t->is_set()) {
    out.kind = K::kSet;
    out.elem =
        std::make_shared<Type>(readType(static_cast<t_set*>(t)->get_elem_type(), user, where));
  } else if (t->is_map()) {
    auto* map = static_cast<t_map*>(t);
    out.kind = K::kMap;
    out.key = std::make_shared<Type>(readType(map->get_key_type(), user, where));
    out.value = std::make_shared<Type>(readType(map->get_val_type(), user, where));
  } else {
    throw idl::IdlError("unsupported type '" + t->get_name() + "'", where);
  }
  return out;
}

std::string docOf(t_doc* node) { return node->has_doc() ? node->get_doc() : std::string(); }

class Reader {
 public:
  explicit Reader(idl::Model& model) : model_(model) {}

  void read(t_program* program) {
    if (model_.programs.count(program->get_name())) return;
    idl::Program& out = model_.programs[program->get_name()];
    program_ = program;
    locator_ = idl::SourceLocator::load(program->get_path());
    out.name = program->get_name();
    out.path = program->get_path();
    out.cpp_namespace = program->get_namespace("cpp");
    out.namespace_loc = at(locator_.namespaceLine());
    for (t_service* service : program->get_services()) out.services.push_back(readService(service));
    readDeclarations(out.declarations);
    std::vector<t_program*> includes = program->get_includes();
    for (t_program* include : includes) {
      const std::string& name = include->get_name();
      if (name.find('.') != std::string::npos) {
        std::string file = name + ".thrift";
        std::string legal = name;
        for (char& c : legal) c = c == '.' ? '_' : c;
        throw idl::IdlError("unsupported: include \"" + file + "\": Thrift's C++ generator names " +
                                "that file's types " + legal + "_types.h but includes them as " +
                                name + "_types.h; rename it without the dot (" + legal + ".thrift)",
                            at(locator_.includeLine(file)));
      }
      out.includes.push_back(name);
    }
    for (t_program* include : includes) Reader(model_).read(include);
  }

 private:
  idl::Location at(int line) const { return {program_->get_path(), line}; }

  idl::Field readField(t_field* field, const idl::Location& loc) {
    idl::Field out;
    out.id = field->get_key();
    out.name = field->get_name();
    out.loc = loc;
    out.type = readType(field->get_type(), program_, loc);
    out.annotations = field->annotations_;
    t_type* type = field->get_type()->get_true_type();
    if (type->is_struct() || type->is_xception()) out.type_annotations = type->annotations_;
    return out;
  }

  idl::Service readService(t_service* service) {
    idl::Service out;
    out.name = service->get_name();
    out.doc = docOf(service);
    out.annotations = service->annotations_;
    out.loc = at(locator_.definition(out.name));
    if (t_service* base = service->get_extends()) out.extends = typeName(base, program_);
    for (t_function* fn : service->get_functions()) {
      idl::Function f;
      f.name = fn->get_name();
      f.doc = docOf(fn);
      f.oneway = fn->is_oneway();
      f.annotations = fn->annotations_;
      f.program = program_->get_name();
      f.service = out.name;
      f.service_annotations = out.annotations;
      f.service_loc = out.loc;
      f.loc = at(locator_.member(out.name, f.name));
      f.returns = readType(fn->get_returntype(), program_, f.loc);
      for (t_field* arg : fn->get_arglist()->get_members()) {
        f.args.push_back(readField(arg, at(locator_.argument(out.name, f.name, arg->get_name()))));
      }
      for (t_field* ex : fn->get_xceptions()->get_members()) {
        f.exceptions.push_back(
            readField(ex, at(locator_.thrown(out.name, f.name, ex->get_name()))));
      }
      out.functions.push_back(std::move(f));
    }
    return out;
  }

  idl::Declaration& declare(std::vector<idl::Declaration>& out, const std::string& what,
                            const std::string& name, const idl::Annotations& annotations, int line,
                            const std::string& owner_kind = "", const std::string& owner = "") {
    std::string full = owner.empty() ? what : what + " of " + owner_kind + " " + owner;
    out.push_back({full, name, owner_kind, owner, {}, annotations, at(line)});
    return out.back();
  }

  // The names of this program's types that `type` spells as written: typedef names too, and
  // container elements.
  void spelledTypes(t_type* type, std::vector<std::string>& out) {
    if (type->is_list()) return spelledTypes(static_cast<t_list*>(type)->get_elem_type(), out);
    if (type->is_set()) return spelledTypes(static_cast<t_set*>(type)->get_elem_type(), out);
    if (type->is_map()) {
      spelledTypes(static_cast<t_map*>(type)->get_key_type(), out);
      return spelledTypes(static_cast<t_map*>(type)->get_val_type(), out);
    }
    if (type->is_base_type() || type->get_program() != program_) return;
    out.push_back(type->is_typedef() ? static_cast<t_typedef*>(type)->get_symbolic()
                                     : type->get_name());
  }

  void readDeclarations(std::vector<idl::Declaration>& out) {
    for (t_typedef* t : program_->get_typedefs()) {
      declare(out, "typedef", t->get_symbolic(), t->annotations_,
              locator_.definition(t->get_symbolic()));
    }
    for (t_enum* e : program_->get_enums()) {
      declare(out, "enum", e->get_name(), e->annotations_, locator_.definition(e->get_name()));
      for (t_enum_value* v : e->get_constants()) {
        declare(out, "value", v->get_name(), v->annotations_,
                locator_.member(e->get_name(), v->get_name()), "enum", e->get_name());
      }
    }
    for (t_const* c : program_->get_consts()) {
      declare(out, "constant", c->get_name(), {}, locator_.definition(c->get_name()));
    }
    for (t_struct* s : program_->get_objects()) {
      std::string kind = s->is_xception() ? "exception" : s->is_union() ? "union" : "struct";
      declare(out, kind, s->get_name(), s->annotations_, locator_.definition(s->get_name()));
      std::vector<std::string> spelled;
      for (t_field* f : s->get_members()) spelledTypes(f->get_type(), spelled);
      for (t_field* f : s->get_members()) {
        declare(out, "field", f->get_name(), f->annotations_,
                locator_.member(s->get_name(), f->get_name()), kind, s->get_name())
            .owner_type_names = spelled;
      }
    }
  }

  idl::Model& model_;
  t_program* program_ = nullptr;
  idl::SourceLocator locator_{""};
};

}  // namespace

idl::Model readModel(t_program* root) {
  idl::Model model;
  model.root = root->get_name();
  Reader(model).read(root);
  return model;
}

}  // namespace scales::gen::compiler

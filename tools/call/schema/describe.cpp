// SPDX-License-Identifier: Apache-2.0
#include "schema/describe.h"

#include <set>

#include "codec/json_values.h"

namespace scales::call {
namespace {
using json = Json;
using Kind = TypeRef::Kind;

json skeletonOf(const Schema& schema, const TypeRef& t, std::set<std::string>& open);

json fieldsSkeleton(const Schema& schema, const std::vector<FieldDef>& fields,
                    std::set<std::string>& open) {
  json out = json::object();
  for (const auto& f : fields) out[f.name] = skeletonOf(schema, f.type, open);
  return out;
}

json skeletonOf(const Schema& schema, const TypeRef& t, std::set<std::string>& open) {
  switch (t.kind) {
    case Kind::kBool:
      return false;
    case Kind::kI8:
    case Kind::kI16:
    case Kind::kI32:
    case Kind::kI64:
      return 0;
    case Kind::kDouble:
      return 0.0;
    case Kind::kString:
      return "";
    case Kind::kBinary:
      return "";  // base64 of nothing
    case Kind::kEnum: {
      const EnumDef* e = schema.enumNamed(t.name);
      return e->values.empty() ? json(0) : json(e->values.front().first);
    }
    case Kind::kStruct: {
      const StructDef& s = *schema.structNamed(t.name);
      if (!open.insert(s.name).second) return nullptr;  // recursive: stop here
      json out = json::object();
      if (s.kind == StructDef::Kind::kUnion && !s.fields.empty()) {
        out[s.fields.front().name] = skeletonOf(schema, s.fields.front().type, open);
      } else {
        out = fieldsSkeleton(schema, s.fields, open);
      }
      open.erase(s.name);
      return out;
    }
    case Kind::kList:
    case Kind::kSet:
      return json::array({skeletonOf(schema, *t.elem, open)});
    case Kind::kMap: {
      json key = skeletonOf(schema, *t.elem, open);
      json value = skeletonOf(schema, *t.value, open);
      if (keysAsObject(*t.elem)) return json::object({{keyTo(key), value}});
      return json::array({json::array({key, value})});
    }
    case Kind::kVoid:
      break;
  }
  return nullptr;
}

const char* kindWord(StructDef::Kind kind) {
  switch (kind) {
    case StructDef::Kind::kUnion:
      return "union";
    case StructDef::Kind::kException:
      return "exception";
    case StructDef::Kind::kStruct:
      break;
  }
  return "struct";
}
}  // namespace

json skeleton(const Schema& schema, const TypeRef& t) {
  std::set<std::string> open;
  return skeletonOf(schema, t, open);
}

void listServices(const Schema& schema, std::ostream& out) {
  if (schema.services().empty()) out << "(no services)\n";
  for (const auto& [name, service] : schema.services()) {
    out << "service " << name;
    if (!service.extends.empty()) out << " extends " << service.extends;
    out << "\n";
    for (const FunctionDef* f : schema.functionsOf(service)) {
      out << "  " << f->signature();
      if (f->service != name) out << "  (from " << f->service << ")";
      out << "\n";
    }
  }
}

void describe(const Schema& schema, const std::string& name, std::ostream& out) {
  std::string qualified;
  try {
    qualified = schema.qualify(name);
  } catch (const SchemaError&) {
    // Not a type: a function, as Service.method (its error says what is missing).
    if (name.find('.') == std::string::npos) throw;
    const FunctionDef* f = nullptr;
    try {
      f = &schema.function(name);
    } catch (const SchemaError&) {
      throw SchemaError("no type or function " + name + " in the IDL");
    }
    out << f->signature() << "\n";
    std::set<std::string> open;
    out << "arguments:\n" << fieldsSkeleton(schema, f->args, open).dump(2) << "\n";
    return;
  }
  if (const EnumDef* e = schema.enumNamed(qualified)) {
    out << "enum " << e->name << " {\n";
    for (const auto& [value_name, value] : e->values)
      out << "  " << value_name << " = " << value << "\n";
    out << "}\n";
    return;
  }
  const StructDef& s = *schema.structNamed(qualified);
  out << kindWord(s.kind) << " " << s.name << " {\n";
  for (const auto& f : s.fields) {
    out << "  " << f.id << ": ";
    if (f.required == FieldDef::Required::kRequired) out << "required ";
    if (f.required == FieldDef::Required::kOptional) out << "optional ";
    out << f.type.str() << " " << f.name;
    if (!f.default_value.empty()) out << " = " << f.default_value;
    out << "\n";
  }
  out << "}\nas JSON:\n"
      << skeleton(schema, TypeRef{Kind::kStruct, s.name, nullptr, nullptr}).dump(2) << "\n";
}

}  // namespace scales::call

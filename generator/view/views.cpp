// SPDX-License-Identifier: Apache-2.0
#include "views.h"

#include <algorithm>
#include <sstream>

#include "idl/cpp_names.h"

namespace scales::gen::view {
namespace {
using idl::Type;
using kainjow::mustache::data;

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Doc comments become `// line` comments; blank edges are dropped.
data docLines(const std::string& doc) {
  data lines{data::type::list};
  std::istringstream in(doc);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    all.push_back(line);
  }
  while (!all.empty() && all.back().empty()) all.pop_back();
  for (const auto& l : all) {
    data d;
    d.set("line", l);
    lines.push_back(d);
  }
  return lines;
}

data fieldView(const idl::Model& model, const std::string& program, const idl::Field& field,
               const std::string& prefix) {
  idl::checkIdentifier(field.name, prefix == "arg" ? "argument" : "exception field");
  data d;
  d.set(prefix + ":name", field.name);
  d.set(prefix + ":id", std::to_string(field.id));
  d.set(prefix + ":cpp_type", idl::cppType(model, program, field.type));
  d.set(prefix + ":param_type", idl::cppParamType(model, program, field.type));
  d.set(prefix + ":wire", idl::wireDescriptor(model, program, field.type));
  return d;
}

// The scales.* annotations (docs/resilience.md, "Policy in the IDL"): anything else under scales.
// is a typo that would silently do nothing, so it is an error.
bool booleanAnnotation(const std::map<std::string, std::string>& annotations,
                       const std::string& key, const std::string& where) {
  auto it = annotations.find(key);
  if (it == annotations.end()) return false;
  if (it->second != "true" && it->second != "false") {
    throw idl::IdlError(where + ": " + key + " must be \"true\" or \"false\", not \"" + it->second +
                        "\"");
  }
  return it->second == "true";
}

void checkScalesAnnotations(const std::map<std::string, std::string>& annotations,
                            const std::vector<std::string>& known, const std::string& where) {
  for (const auto& [key, value] : annotations) {
    if (key.rfind("scales.", 0) != 0) continue;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw idl::IdlError(where + ": unknown annotation " + key +
                          "; known here: " + join(known, ", "));
    }
  }
}

long timeoutAnnotation(const idl::Function& fn) {
  auto it = fn.annotations.find("scales.timeout_ms");
  if (it == fn.annotations.end()) return 0;
  const std::string& text = it->second;
  bool digits = !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stol(text) == 0) {
    throw idl::IdlError("function '" + fn.name + "': scales.timeout_ms must be a positive " +
                        "number of milliseconds, not \"" + text + "\"");
  }
  return std::stol(text);
}

data functionView(const idl::Model& model, const idl::Function& fn) {
  idl::checkIdentifier(fn.name, "function");
  const std::string& program = fn.program;
  bool returns_value = fn.returns.kind != Type::Kind::kVoid;
  if (fn.oneway && (returns_value || !fn.exceptions.empty())) {
    throw idl::IdlError("unsupported: oneway function '" + fn.name +
                        "' must return void and throw nothing");
  }
  std::vector<std::string> params, names, from_struct;
  data args{data::type::list};
  for (const auto& a : fn.args) {
    args.push_back(fieldView(model, program, a, "arg"));
    params.push_back(idl::cppParamType(model, program, a.type) + " " + a.name);
    names.push_back(a.name);
    from_struct.push_back("scales_args->" + a.name);
  }
  data exceptions{data::type::list};
  for (const auto& e : fn.exceptions) {
    if (e.type.kind != Type::Kind::kStruct) {
      throw idl::IdlError("function '" + fn.name + "' throws a non-exception type");
    }
    std::string where = "exception " + e.type.struct_class;
    checkScalesAnnotations(e.type_annotations, {"scales.retryable"}, where);
    data ed = fieldView(model, program, e, "exception");
    ed.set("exception:type_name", e.type.struct_class);
    ed.set("exception:retryable",
           booleanAnnotation(e.type_annotations, "scales.retryable", where) ? "true" : "false");
    exceptions.push_back(ed);
  }
  std::string fwhere = "function '" + fn.name + "'";
  checkScalesAnnotations(fn.annotations, {"scales.idempotent", "scales.timeout_ms"}, fwhere);
  bool idempotent = booleanAnnotation(fn.annotations, "scales.idempotent", fwhere);
  if (fn.oneway && fn.annotations.count("scales.timeout_ms")) {
    throw idl::IdlError(fwhere + " is oneway: scales.timeout_ms has nothing to wait for");
  }
  std::string cpp_return = idl::cppType(model, program, fn.returns);
  std::string params_text = join(params, ", ");
  std::string names_text = join(names, ", ");
  std::string from_struct_text = join(from_struct, ", ");
  auto comma_before = [](const std::string& s) { return s.empty() ? s : ", " + s; };
  auto comma_after = [](const std::string& s) { return s.empty() ? s : s + ", "; };

  data d;
  d.set("function:name", fn.name);
  d.set("function:doc_lines", docLines(fn.doc));
  d.set("function:oneway?", fn.oneway);
  d.set("function:oneway", fn.oneway ? "true" : "false");
  d.set("function:returns_value?", returns_value);
  d.set("function:cpp_return", cpp_return);
  d.set("function:success_wire",
        returns_value ? idl::wireDescriptor(model, program, fn.returns) : "");
  d.set("function:message_type", fn.oneway ? "T_ONEWAY" : "T_CALL");
  d.set("function:params", params_text);
  d.set("function:comma_params", comma_before(params_text));
  d.set("function:params_token", comma_after(params_text) + "CompletionToken&& token");
  d.set("function:arg_names", names_text);
  d.set("function:comma_arg_names", comma_before(names_text));
  d.set("function:arg_names_comma", comma_after(names_text));
  d.set("function:args_from_struct", from_struct_text);
  d.set("function:args_from_struct_comma", comma_after(from_struct_text));
  d.set("function:async_params",
        fn.oneway ? params_text
                  : comma_after(params_text) + "::scales::server::Reply<" + cpp_return + "> reply");
  d.set("function:args", args);
  d.set("function:exceptions", exceptions);
  d.set("function:idempotent", idempotent ? "true" : "false");
  d.set("function:timeout_ms", std::to_string(timeoutAnnotation(fn)));
  return d;
}

void setProgramKeys(data& d, const idl::Model& model, const ProgramFacts& facts) {
  const auto& program = model.rootProgram();
  std::string ns = idl::cppNamespace(program);
  d.set("program:name", program.name);
  d.set("program:idl", facts.idl_name);
  d.set("program:version", facts.version);
  d.set("program:cpp_namespace", ns);
  d.set("program:has_namespace?", !ns.empty());
  d.set("program:has_types_cpp?", facts.has_types_cpp);
  d.set("program:has_constants?", facts.has_constants);
}

}  // namespace

Data programView(const idl::Model& model, const ProgramFacts& facts) {
  data d;
  setProgramKeys(d, model, facts);
  data services{data::type::list};
  for (const auto& s : model.rootProgram().services) {
    data sd;
    sd.set("service:name", s.name);
    services.push_back(sd);
  }
  d.set("program:services", services);
  return d;
}

Data serviceView(const idl::Model& model, const ProgramFacts& facts, const idl::Service& service) {
  idl::checkIdentifier(service.name, "service");
  data d;
  setProgramKeys(d, model, facts);
  d.set("service:name", service.name);
  d.set("service:doc_lines", docLines(service.doc));
  data functions{data::type::list};
  std::vector<std::string> arg_names;  // every argument name, once: what hash_field may name
  for (const auto& fn : idl::allFunctions(model, model.rootProgram(), service)) {
    functions.push_back(functionView(model, fn));
    for (const auto& a : fn.args) {
      std::string quoted = "\"" + a.name + "\"";
      if (std::find(arg_names.begin(), arg_names.end(), quoted) == arg_names.end()) {
        arg_names.push_back(quoted);
      }
    }
  }
  d.set("service:functions", functions);
  d.set("service:arg_name_literals", join(arg_names, ", "));
  return d;
}

}  // namespace scales::gen::view

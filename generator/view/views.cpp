// SPDX-License-Identifier: Apache-2.0
#include "views.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "idl/cpp_names.h"
#include "idl/name_rules.h"

namespace scales::gen::view {
namespace {
using idl::Type;
using kainjow::mustache::data;

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Doc comments become `// line` comments; blank edges are dropped. A line ending in a backslash
// would splice the next generated line into the comment, so it gets a closing '.'.
data docLines(const std::string& doc) {
  data lines{data::type::list};
  std::istringstream in(doc);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) {
      line.pop_back();
    }
    // After trailing blanks, a form feed or vertical tab before the newline still splices.
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty() && line.back() == '\\') line += '.';
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

// `prefix` is "arg" or "exception"; generated structs hold the field as `field_<name>`, so no IDL
// name meets their own members (read, write, scales_success).
data fieldView(const idl::Model& model, const std::string& program, const idl::Field& field,
               const std::string& prefix) {
  std::string what = prefix == "arg" ? "argument" : "exception field";
  if (prefix == "arg") {
    idl::checkArgumentName(field.name, field.loc);
  } else {
    idl::checkIdentifier(field.name, what, field.loc);
  }
  idl::checkScalesAnnotations(field.annotations, {}, what + " " + field.name, field.loc);
  data d;
  d.set(prefix + ":name", field.name);
  d.set(prefix + ":member", "field_" + field.name);
  d.set(prefix + ":id", std::to_string(field.id));
  d.set(prefix + ":cpp_type", idl::cppType(model, program, field.type));
  d.set(prefix + ":param_type", idl::cppParamType(model, program, field.type));
  d.set(prefix + ":wire", idl::wireDescriptor(model, program, field.type));
  return d;
}

// The scales.* annotations of a function or service (docs/codegen.md, "IDL annotations").
const std::set<std::string> kPolicyAnnotations = {"scales.idempotent", "scales.timeout_ms"};

long timeoutAnnotation(const idl::Annotations& annotations, const std::string& what,
                       const idl::Location& where) {
  auto it = annotations.find("scales.timeout_ms");
  if (it == annotations.end()) return 0;
  const std::string& text = it->second;
  bool digits = !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stol(text) == 0) {
    throw idl::IdlError("scales.timeout_ms on " + what +
                            " must be a positive number of milliseconds, not \"" + text + "\"",
                        where);
  }
  return std::stol(text);
}

// A function's policy: its own annotation, else that of the service declaring it, else that of
// the service being generated (which may extend the declaring one).
struct PolicySource {
  const idl::Annotations* annotations;
  std::string what;
  idl::Location where;
};

void checkServiceAnnotations(const PolicySource& service) {
  idl::checkScalesAnnotations(*service.annotations, kPolicyAnnotations, service.what,
                              service.where);
  idl::booleanAnnotation(*service.annotations, "scales.idempotent", service.what, service.where);
  timeoutAnnotation(*service.annotations, service.what, service.where);
}

const PolicySource* firstWith(const std::vector<PolicySource>& sources, const std::string& key) {
  for (const auto& source : sources) {
    if (source.annotations->count(key)) return &source;
  }
  return nullptr;
}

data functionView(const idl::Model& model, const idl::Service& service, const idl::Function& fn) {
  idl::checkFunctionName(service.name, fn);
  const std::string& program = fn.program;
  std::string fwhat = "function " + fn.name;
  bool returns_value = fn.returns.kind != Type::Kind::kVoid;
  if (fn.oneway && (returns_value || !fn.exceptions.empty())) {
    throw idl::IdlError(
        "unsupported: oneway function '" + fn.name + "' must return void and throw nothing",
        fn.loc);
  }
  std::vector<std::string> params, names, from_struct;
  data args{data::type::list};
  for (const auto& a : fn.args) {
    args.push_back(fieldView(model, program, a, "arg"));
    params.push_back(idl::cppParamType(model, program, a.type) + " " + a.name);
    names.push_back(a.name);
    from_struct.push_back("scales_args->field_" + a.name);
  }
  data exceptions{data::type::list};
  std::set<std::string> caught;  // one catch per C++ type: a second would be unreachable
  for (const auto& e : fn.exceptions) {
    if (e.type.kind != Type::Kind::kStruct) {
      throw idl::IdlError(fwhat + " throws '" + e.name + "', which is not an exception", e.loc);
    }
    std::string ewhat = "exception " + e.type.name;
    idl::checkScalesAnnotations(e.type_annotations, {"scales.retryable", "scales.failure"}, ewhat,
                                e.loc);
    data ed = fieldView(model, program, e, "exception");
    ed.set("exception:type_name", e.type.name);
    for (const char* flag : {"retryable", "failure"}) {
      bool set =
          idl::booleanAnnotation(e.type_annotations, std::string("scales.") + flag, ewhat, e.loc);
      ed.set(std::string("exception:") + flag, set ? "true" : "false");
    }
    ed.set("exception:first_of_type?", caught.insert(idl::cppType(model, program, e.type)).second);
    exceptions.push_back(ed);
  }
  idl::checkScalesAnnotations(fn.annotations, kPolicyAnnotations, fwhat, fn.loc);
  std::vector<PolicySource> sources = {
      {&fn.annotations, fwhat, fn.loc},
      {&fn.service_annotations, "service " + fn.service, fn.service_loc},
      {&service.annotations, "service " + service.name, service.loc}};
  bool idempotent = false;
  if (const PolicySource* s = firstWith(sources, "scales.idempotent")) {
    idempotent = idl::booleanAnnotation(*s->annotations, "scales.idempotent", s->what, s->where);
  }
  if (fn.oneway && fn.annotations.count("scales.timeout_ms")) {
    throw idl::IdlError(fwhat + " is oneway: scales.timeout_ms has nothing to wait for", fn.loc);
  }
  long timeout_ms = 0;
  if (const PolicySource* s = firstWith(sources, "scales.timeout_ms"); s && !fn.oneway) {
    timeout_ms = timeoutAnnotation(*s->annotations, s->what, s->where);
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
  d.set("function:params_token", comma_after(params_text) + "CompletionToken&& scales_token");
  d.set("function:arg_names", names_text);
  d.set("function:comma_arg_names", comma_before(names_text));
  d.set("function:arg_names_comma", comma_after(names_text));
  d.set("function:args_from_struct", from_struct_text);
  d.set("function:args_from_struct_comma", comma_after(from_struct_text));
  d.set("function:async_params", fn.oneway ? params_text
                                           : comma_after(params_text) + "::scales::server::Reply<" +
                                                 cpp_return + "> scales_reply");
  d.set("function:args", args);
  d.set("function:exceptions", exceptions);
  d.set("function:idempotent", idempotent ? "true" : "false");
  d.set("function:timeout_ms", std::to_string(timeout_ms));
  return d;
}

void setProgramKeys(data& d, const idl::Model& model, const ProgramFacts& facts) {
  const auto& program = model.rootProgram();
  std::string ns = idl::cppNamespace(program);
  d.set("program:name", program.name);
  d.set("program:types_stem", idl::typesStem(program));
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
  idl::checkIdentifier(service.name, "service", service.loc);
  checkServiceAnnotations({&service.annotations, "service " + service.name, service.loc});
  data d;
  setProgramKeys(d, model, facts);
  d.set("service:name", service.name);
  d.set("service:doc_lines", docLines(service.doc));
  data functions{data::type::list};
  std::vector<std::string> arg_names;  // every argument name, once: what hash_field may name
  for (const auto& fn : idl::allFunctions(model, model.rootProgram(), service)) {
    checkServiceAnnotations({&fn.service_annotations, "service " + fn.service, fn.service_loc});
    functions.push_back(functionView(model, service, fn));
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

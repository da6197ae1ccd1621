// SPDX-License-Identifier: Apache-2.0
#include "model.h"

#include <set>

namespace scales::gen::idl {

std::string Location::str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }

std::vector<Function> allFunctions(const Model& model, const Program& program,
                                   const Service& service) {
  std::vector<const Service*> chain{&service};
  const Program* current = &program;
  std::set<std::string> seen{program.name + "." + service.name};
  while (!chain.back()->extends.empty()) {
    std::string base = chain.back()->extends;
    std::string base_program = current->name;
    if (auto dot = base.rfind('.'); dot != std::string::npos) {
      base_program = base.substr(0, dot);
      base = base.substr(dot + 1);
    }
    auto pit = model.programs.find(base_program);
    if (pit == model.programs.end()) {
      throw IdlError(service.name + " extends " + chain.back()->extends + ": unknown program",
                     service.loc);
    }
    const Service* found = nullptr;
    for (const auto& s : pit->second.services) {
      if (s.name == base) found = &s;
    }
    if (found == nullptr || !seen.insert(base_program + "." + base).second) {
      throw IdlError(service.name + " extends " + chain.back()->extends + ": unknown service",
                     service.loc);
    }
    chain.push_back(found);
    current = &pit->second;
  }
  std::vector<Function> out;
  std::set<std::string> names;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const auto& fn : (*it)->functions) {
      if (!names.insert(fn.name).second) {
        throw IdlError(
            service.name + ": function '" + fn.name + "' is declared twice along its extends chain",
            fn.loc);
      }
      out.push_back(fn);
    }
  }
  return out;
}

}  // namespace scales::gen::idl

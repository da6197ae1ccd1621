// SPDX-License-Identifier: Apache-2.0
#include "generate.h"

#include "idl/name_rules.h"
#include "render/renderer.h"

namespace scales::gen {

std::vector<OutputFile> renderProgram(const idl::Model& model, const view::ProgramFacts& facts) {
  // Included programs' types are compiled into this program's code too: check them as well.
  for (const auto& [name, program] : model.programs) idl::checkDeclarations(program);
  std::vector<OutputFile> files;
  for (const auto& service : model.rootProgram().services) {
    auto data = view::serviceView(model, facts, service);
    files.push_back({service.name + ".scales.h", render::render("service.h", data)});
    files.push_back({service.name + ".scales.cpp", render::render("service.cpp", data)});
  }
  files.push_back(
      {model.root + ".scales-all.cpp", render::render("all.cpp", view::programView(model, facts))});
  return files;
}

}  // namespace scales::gen

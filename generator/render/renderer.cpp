// SPDX-License-Identifier: Apache-2.0
#include "renderer.h"

#include <map>
#include <stdexcept>

namespace scales::gen::render {

// Defined in the build-generated embedded_templates.cpp: path (without .mustache) -> text.
const std::map<std::string, std::string>& embeddedTemplates();

namespace {
using kainjow::mustache::data;
using kainjow::mustache::mustache;
using kainjow::mustache::partial;

data withPartials(const view::Data& view) {
  data d = view;
  for (const auto& [path, text] : embeddedTemplates()) {
    std::string name = path;
    for (auto& c : name) {
      if (c == '/') c = '_';
    }
    const std::string* body = &text;
    d.set(name, partial([body] { return *body; }));
  }
  return d;
}

}  // namespace

std::string render(const std::string& name, const view::Data& data) {
  auto it = embeddedTemplates().find(name);
  if (it == embeddedTemplates().end()) throw std::runtime_error("no template named " + name);
  mustache tmpl(it->second);
  if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(withPartials(data));
  if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  return out;
}

}  // namespace scales::gen::render

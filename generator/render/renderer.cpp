// SPDX-License-Identifier: Apache-2.0
#include "renderer.h"

#include <map>
#include <stdexcept>
#include <vector>

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

// Sections that render nothing leave their blank lines behind; keep at most one blank line in a
// row, and none right before a closing brace or a `case`/`default` label.
std::string tidy(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto blank = [](const std::string& l) { return l.find_first_not_of(" \t") == std::string::npos; };
  auto closes = [](const std::string& l) {
    auto first = l.find_first_not_of(" \t");
    if (first == std::string::npos) return false;
    return l[first] == '}' || l.compare(first, 5, "case ") == 0 ||
           l.compare(first, 8, "default:") == 0;
  };
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (blank(lines[i])) {
      bool previous_blank = i > 0 && blank(lines[i - 1]);
      bool next_closes = i + 1 < lines.size() && closes(lines[i + 1]);
      if (previous_blank || next_closes) continue;
    }
    out += lines[i];
    if (i + 1 < lines.size()) out += '\n';
  }
  return out;
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
  return tidy(out);
}

}  // namespace scales::gen::render

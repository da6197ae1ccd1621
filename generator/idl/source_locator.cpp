// SPDX-License-Identifier: Apache-2.0
#include "source_locator.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace scales::gen::idl {
namespace {

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

}  // namespace

SourceLocator SourceLocator::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return SourceLocator(text.str());
}

SourceLocator::SourceLocator(std::string_view text) {
  int line = 1;
  size_t i = 0;
  auto advance = [&](size_t to) {
    for (; i < to && i < text.size(); ++i) line += text[i] == '\n';
  };
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance(i + 1);
    } else if (c == '#' || text.substr(i, 2) == "//") {
      advance(text.find('\n', i));
    } else if (text.substr(i, 2) == "/*") {
      size_t end = text.find("*/", i + 2);
      advance(end == std::string_view::npos ? text.size() : end + 2);
    } else if (c == '"' || c == '\'') {
      size_t end = text.find(c, i + 1);
      // Kept with its quote, so that no literal is ever taken for a name.
      tokens_.push_back(
          {std::string(text.substr(i, end == std::string_view::npos ? text.size() - i : end - i)),
           line});
      advance(end == std::string_view::npos ? text.size() : end + 1);
    } else if (identStart(c) || std::isdigit(static_cast<unsigned char>(c))) {
      size_t end = i + 1;
      while (end < text.size() && identChar(text[end])) ++end;
      tokens_.push_back({std::string(text.substr(i, end - i)), line});
      i = end;
    } else {
      tokens_.push_back({std::string(1, c), line});
      ++i;
    }
  }
}

long SourceLocator::closing(long open) const {
  const std::string& o = tokens_[open].text;
  std::string c = o == "(" ? ")" : o == "{" ? "}" : o == "[" ? "]" : ">";
  int depth = 0;
  for (long i = open; i < static_cast<long>(tokens_.size()); ++i) {
    if (tokens_[i].text == o) ++depth;
    if (tokens_[i].text == c && --depth == 0) return i;
  }
  return static_cast<long>(tokens_.size());
}

bool SourceLocator::endsName(long i) const {
  if (i >= static_cast<long>(tokens_.size())) return true;
  static const std::set<std::string> after = {",", ";", ")", "(", "=", "}", "]"};
  const std::string& t = tokens_[i].text;
  return after.count(t) > 0 || std::isdigit(static_cast<unsigned char>(t[0])) ||
         t.rfind("xsd_", 0) == 0;
}

int SourceLocator::depthChange(long i) const {
  const std::string& t = tokens_[i].text;
  if (t == "(" || t == "{" || t == "[" || t == "<") return 1;
  if (t == ")" || t == "}" || t == "]" || t == ">") return -1;
  return 0;
}

long SourceLocator::definitionIndex(const std::string& name) const {
  static const std::set<std::string> keywords = {"struct", "union", "exception",
                                                 "enum",   "senum", "service"};
  long fallback = -1;
  int depth = 0;
  for (long i = 0; i < static_cast<long>(tokens_.size()); ++i) {
    const std::string& t = tokens_[i].text;
    depth += depthChange(i);
    if (depth != 0 || t != name) continue;
    if (i > 0 && keywords.count(tokens_[i - 1].text)) return i;
    // typedef and const name their definition after its type: the first mention that ends a
    // declaration or follows a type.
    bool after_type =
        i >= 2 && (tokens_[i - 2].text == "typedef" || tokens_[i - 2].text == "const");
    if (fallback < 0 && (endsName(i + 1) || after_type || (i > 0 && tokens_[i - 1].text == ">"))) {
      fallback = i;
    }
  }
  return fallback;
}

long SourceLocator::fieldIn(long open, const std::string& name, bool any_follower) const {
  long end = closing(open);
  int depth = 0;
  for (long i = open + 1; i < end; ++i) {
    const std::string& t = tokens_[i].text;
    depth += depthChange(i);
    if (depth == 0 && t == name && (any_follower || endsName(i + 1))) return i;
  }
  return -1;
}

long SourceLocator::memberIndex(const std::string& parent, const std::string& name) const {
  long def = definitionIndex(parent);
  if (def < 0) return -1;
  // An enum's body holds nothing but its values' names (and numbers): any mention is the value,
  // even without separators between them.
  bool enum_body = def > 0 && (tokens_[def - 1].text == "enum" || tokens_[def - 1].text == "senum");
  for (long i = def; i < static_cast<long>(tokens_.size()); ++i) {
    if (tokens_[i].text == "{") return fieldIn(i, name, enum_body);
  }
  return -1;
}

int SourceLocator::namespaceLine() const {
  for (const char* scope : {"cpp", "*"}) {
    for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (tokens_[i].text == "namespace" && tokens_[i + 1].text == scope) return tokens_[i].line;
    }
  }
  return 0;
}

int SourceLocator::includeLine(const std::string& file_name) const {
  for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
    const std::string& path = tokens_[i + 1].text;  // with its opening quote
    size_t at = path.size() - file_name.size();
    if (tokens_[i].text == "include" && path.size() > file_name.size() &&
        path.compare(at, file_name.size(), file_name) == 0 &&
        (path[at - 1] == '"' || path[at - 1] == '\'' || path[at - 1] == '/')) {
      return tokens_[i].line;
    }
  }
  return 0;
}

int SourceLocator::definition(const std::string& name) const {
  return lineAt(definitionIndex(name));
}

int SourceLocator::member(const std::string& parent, const std::string& name) const {
  return lineAt(memberIndex(parent, name));
}

int SourceLocator::argument(const std::string& service, const std::string& function,
                            const std::string& name) const {
  long fn = memberIndex(service, function);
  if (fn < 0 || fn + 1 >= static_cast<long>(tokens_.size())) return 0;
  return lineAt(fieldIn(fn + 1, name));
}

int SourceLocator::thrown(const std::string& service, const std::string& function,
                          const std::string& name) const {
  long fn = memberIndex(service, function);
  if (fn < 0 || fn + 1 >= static_cast<long>(tokens_.size())) return 0;
  long after_args = closing(fn + 1) + 1;
  if (after_args + 1 >= static_cast<long>(tokens_.size()) || tokens_[after_args].text != "throws") {
    return 0;
  }
  return lineAt(fieldIn(after_args + 1, name));
}

}  // namespace scales::gen::idl

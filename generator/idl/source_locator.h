// SPDX-License-Identifier: Apache-2.0
// Finds the line a declaration is written on. Thrift 0.17's parse tree keeps no line numbers, so
// an error about a declaration looks it up among the file's tokens (comments and string
// literals skipped) by the path of names that leads to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scales::gen::idl {

class SourceLocator {
 public:
  // An unreadable file gives a locator that finds nothing (line 0).
  static SourceLocator load(const std::string& path);
  explicit SourceLocator(std::string_view text);

  // A top-level definition: struct, union, exception, enum, service, typedef or constant.
  int definition(const std::string& name) const;
  // A member of top-level definition `parent`: a field, an enum value or a service function.
  int member(const std::string& parent, const std::string& name) const;
  // An argument of function `function` of `service`, or (`thrown`) a field of its throws list.
  int argument(const std::string& service, const std::string& function,
               const std::string& name) const;
  int thrown(const std::string& service, const std::string& function,
             const std::string& name) const;
  // The `namespace cpp` declaration, else `namespace *`.
  int namespaceLine() const;
  // The `include "..."` whose path ends in `file_name`.
  int includeLine(const std::string& file_name) const;

 private:
  struct Token {
    std::string text;
    int line;
  };
  long definitionIndex(const std::string& name) const;
  long memberIndex(const std::string& parent, const std::string& name) const;
  // The first `name` naming a field inside the bracket opening at `open` ('(' or '{').
  long fieldIn(long open, const std::string& name, bool any_follower = false) const;
  long closing(long open) const;  // the bracket matching the one at `open`, or tokens_.size()
  bool endsName(long i) const;    // token i can follow a declared name
  int depthChange(long i) const;  // +1 for ( { [ <, -1 for ) } ] >
  int lineAt(long i) const { return i < 0 ? 0 : tokens_[i].line; }

  std::vector<Token> tokens_;
};

}  // namespace scales::gen::idl

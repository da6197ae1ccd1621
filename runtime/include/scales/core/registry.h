// SPDX-License-Identifier: Apache-2.0
// One explicit name -> factory table per extension point (balancers, resolver schemes, pools).
// Filled once in a registry file, read-only after; an unknown name fails loudly with the choices.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scales/core/errors.h"

namespace scales {

template <class Factory>
class Registry {
 public:
  // `kind` names the extension point in errors ("balancer", "resolver scheme").
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  Registry& add(std::string name, Factory factory) {
    entries_.emplace(std::move(name), std::move(factory));
    return *this;
  }

  const Factory& get(std::string_view name) const {
    auto it = entries_.find(std::string(name));
    if (it == entries_.end()) {
      throw ConfigError("unknown " + kind_ + " '" + std::string(name) + "'; valid: " + names());
    }
    return it->second;
  }

  bool contains(std::string_view name) const { return entries_.count(std::string(name)) != 0; }

  // Every name, sorted.
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    for (const auto& [name, factory] : entries_) out.push_back(name);
    return out;
  }

  // Comma-separated, sorted: the list shown in errors and --help.
  std::string names() const {
    std::string out;
    for (const auto& [name, factory] : entries_) {
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  }

 private:
  std::string kind_;
  std::map<std::string, Factory> entries_;
};

}  // namespace scales

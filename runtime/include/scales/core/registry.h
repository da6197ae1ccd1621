// SPDX-License-Identifier: Apache-2.0
// One name -> factory table per extension point (balancers, resolver schemes, health probes,
// pools). The library fills each with its built-ins; users add their own by name before they
// create the clients that use them (registerBalancer() and friends). Thread-safe; a name is
// taken once (a duplicate is refused, so nothing is replaced behind a running client's back);
// an unknown name fails loudly with the choices.
#pragma once

#include <map>
#include <mutex>
#include <shared_mutex>
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

  // Throws ConfigError when the name is empty or already taken.
  Registry& add(std::string name, Factory factory) {
    if (name.empty()) throw ConfigError("a " + kind_ + " needs a name");
    std::unique_lock lock(mutex_);
    if (!entries_.emplace(name, std::move(factory)).second) {
      throw ConfigError(kind_ + " '" + name + "' is already registered");
    }
    return *this;
  }

  // A copy: another thread may register more meanwhile.
  Factory get(std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(std::string(name));
    if (it == entries_.end()) {
      throw ConfigError("unknown " + kind_ + " '" + std::string(name) + "'; valid: " + joined());
    }
    return it->second;
  }

  bool contains(std::string_view name) const {
    std::shared_lock lock(mutex_);
    return entries_.count(std::string(name)) != 0;
  }

  // Every name, sorted.
  std::vector<std::string> list() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, factory] : entries_) out.push_back(name);
    return out;
  }

  // Comma-separated, sorted: the list shown in errors and --help.
  std::string names() const {
    std::shared_lock lock(mutex_);
    return joined();
  }

 private:
  std::string joined() const {
    std::string out;
    for (const auto& [name, factory] : entries_) {
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  }

  std::string kind_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Factory> entries_;
};

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// OptionKeys<Options>: the URI query keys one options type owns, each with the parser that sets
// its field. Every options type that a URI may configure (the stack's ClientConfig, each
// protocol's options) owns one table, so a key is known in exactly one place, errors can list the
// keys that are valid, and docs/configuration.md is checked against the tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/core/errors.h"

namespace scales {

// Value parsers. Each throws ConfigError saying what the value is not (the caller names the key).
namespace parse {
uint64_t count(std::string_view value);   // a non-negative integer
int64_t integer(std::string_view value);  // any integer
double number(std::string_view value);    // a non-negative number
Duration millis(std::string_view value);  // a non-negative integer of milliseconds
bool flag(std::string_view value);        // "true" or "false"
}  // namespace parse

template <class Options>
class OptionKeys {
 public:
  // Sets the key's field from its value; throws ConfigError saying what is wrong with the value.
  using Setter = std::function<void(Options&, const std::string& value)>;

  OptionKeys& add(std::string key, Setter set) {
    if (!setters_.emplace(key, std::move(set)).second) {
      throw UsageError("URI key '" + key + "' registered twice");
    }
    return *this;
  }

  // `field` maps an Options& to the field the key sets (a lambda returning a reference).
  template <class Field>
  OptionKeys& count(std::string key, Field field) {
    return add(std::move(key), [field](Options& o, const std::string& v) {
      auto& target = field(o);
      using T = std::remove_reference_t<decltype(target)>;
      uint64_t n = parse::count(v);
      if (n > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        throw ConfigError("is larger than " + std::to_string(std::numeric_limits<T>::max()));
      }
      target = static_cast<T>(n);
    });
  }
  template <class Field>
  OptionKeys& millis(std::string key, Field field) {
    return add(std::move(key),
               [field](Options& o, const std::string& v) { field(o) = parse::millis(v); });
  }
  template <class Field>
  OptionKeys& number(std::string key, Field field) {
    return add(std::move(key),
               [field](Options& o, const std::string& v) { field(o) = parse::number(v); });
  }
  template <class Field>
  OptionKeys& flag(std::string key, Field field) {
    return add(std::move(key),
               [field](Options& o, const std::string& v) { field(o) = parse::flag(v); });
  }
  template <class Field>
  OptionKeys& text(std::string key, Field field) {
    return add(std::move(key), [field](Options& o, const std::string& v) { field(o) = v; });
  }

  // Null when the key is not this table's.
  const Setter* find(const std::string& key) const {
    auto it = setters_.find(key);
    return it == setters_.end() ? nullptr : &it->second;
  }

  // Every key, sorted.
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    for (const auto& [key, setter] : setters_) out.push_back(key);
    return out;
  }

 private:
  std::map<std::string, Setter> setters_;
};

}  // namespace scales

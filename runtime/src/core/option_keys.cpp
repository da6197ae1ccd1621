// SPDX-License-Identifier: Apache-2.0
#include "scales/core/option_keys.h"

#include <charconv>

namespace scales::parse {

namespace {
template <class T>
bool whole(std::string_view value, T& out) {
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return !value.empty() && ec == std::errc() && end == value.data() + value.size();
}
}  // namespace

uint64_t count(std::string_view value) {
  uint64_t out = 0;
  if (!whole(value, out)) throw ConfigError("not a non-negative integer");
  return out;
}

int64_t integer(std::string_view value) {
  int64_t out = 0;
  if (!whole(value, out)) throw ConfigError("not an integer");
  return out;
}

double number(std::string_view value) {
  double out = 0;
  if (!whole(value, out) || out < 0) throw ConfigError("not a non-negative number");
  return out;
}

Duration millis(std::string_view value) {
  uint64_t ms = count(value);
  // Beyond this a duration in nanoseconds overflows; nobody means a timeout of 290 years.
  constexpr uint64_t kMax =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 365 * 100))
          .count();
  if (ms > kMax) throw ConfigError("more than 100 years of milliseconds");
  return std::chrono::milliseconds(ms);
}

bool flag(std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  throw ConfigError("not true or false");
}

}  // namespace scales::parse

// SPDX-License-Identifier: Apache-2.0
// One server a client may send calls to, as discovery reports it.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace scales::discovery {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  double weight = 1.0;  // for weighted balancers
  int priority = 0;     // lower is preferred (SRV semantics)

  std::string address() const { return host + ":" + std::to_string(port); }
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

}  // namespace scales::discovery

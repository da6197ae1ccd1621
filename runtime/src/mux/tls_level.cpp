// SPDX-License-Identifier: Apache-2.0
#include "scales/mux/client.h"

namespace scales::mux {

const char* tlsLevelName(TlsLevel level) {
  switch (level) {
    case TlsLevel::kDesired:
      return "desired";
    case TlsLevel::kRequired:
      return "required";
    case TlsLevel::kOff:
      break;
  }
  return "off";
}

std::optional<TlsLevel> parseTlsLevel(std::string_view text) {
  if (text == "off") return TlsLevel::kOff;
  if (text == "desired") return TlsLevel::kDesired;
  if (text == "required") return TlsLevel::kRequired;
  return std::nullopt;
}

}  // namespace scales::mux

// SPDX-License-Identifier: Apache-2.0
#include "scales/core/reply_class.h"

namespace scales {

std::string ReplyClass::label() const {
  if (!failure && kind == nullptr) return {};
  std::string out = kind != nullptr ? kind : "classified";
  if (code >= 0) {
    // Appended in two steps: g++ 12 at -O3 warns falsely (-Wrestrict) on "_" + to_string().
    out.push_back('_');
    out.append(std::to_string(code));
  }
  return out;
}

}  // namespace scales

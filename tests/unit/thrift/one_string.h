// SPDX-License-Identifier: Apache-2.0
// A one-field Thrift struct written with the runtime's wire helpers, for codec tests.
#pragma once

#include <string>

#include "scales/thrift/wire.h"

namespace scales::thrift {

struct OneString {
  std::string text;
  template <class P>
  void write(P* p) const {
    p->writeStructBegin("OneString");
    wire::writeField<wire::String>(*p, "text", 1, text);
    p->writeFieldStop();
    p->writeStructEnd();
  }
  template <class P>
  void read(P* p) {
    wire::readStruct(*p, [&](int16_t id, wire::TType type) {
      return id == 1 && wire::readFieldValue<wire::String>(*p, type, text);
    });
  }
};

}  // namespace scales::thrift

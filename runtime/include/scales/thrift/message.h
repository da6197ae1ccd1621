// SPDX-License-Identifier: Apache-2.0
// The header of one Thrift message, as read off the wire, with the protocol it came in.
#pragma once

#include <thrift/protocol/TProtocol.h>

#include <cstdint>
#include <string>

#include "scales/thrift/protocol.h"

namespace scales::thrift {

using apache::thrift::protocol::TMessageType;

struct MessageHeader {
  std::string name;
  TMessageType type = apache::thrift::protocol::T_CALL;
  int32_t seqid = 0;
  Protocol protocol = Protocol::kBinary;
};

}  // namespace scales::thrift

// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the RESP decoder: arbitrary bytes, read as a stream of replies the way a
// pipelined connection does. Every outcome must be "incomplete", a reply, or a ProtocolError; a
// framed reply must parse, and parse to the bytes the framer claimed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scales/core/errors.h"
#include "scales/redis/resp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    while (!in.empty()) {
      auto frame = scales::redis::frameReply(in, 1 << 20);
      if (!frame) break;
      if (frame->consumed == 0 || frame->consumed > in.size()) __builtin_trap();
      scales::redis::parseReply(in.substr(frame->offset, frame->size));
      in.remove_prefix(frame->consumed);
    }
  } catch (const scales::ProtocolError&) {
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the RESP decoder: arbitrary bytes, read as a stream of replies the way a
// pipelined connection does. Every outcome must be "incomplete" (needing more than it has), a
// reply, or a ProtocolError; a framed reply must parse, and parse to the bytes the framer claimed;
// no prefix of it may say it needs more than it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scales/core/errors.h"
#include "scales/redis/resp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    while (!in.empty()) {
      size_t needed = 0;
      auto frame = scales::redis::frameReply(in, 1 << 20, needed);
      if (!frame) {
        if (needed <= in.size()) __builtin_trap();  // it must wait for more than it has
        break;
      }
      if (frame->consumed == 0 || frame->consumed > in.size()) __builtin_trap();
      // What a prefix of this reply says it needs is no more than the reply: the stream that
      // waits for that much never waits past a reply that has arrived whole.
      for (size_t cut : {frame->consumed / 2, frame->consumed - 1}) {
        size_t short_needed = 0;
        if (cut == 0) continue;
        if (scales::redis::frameReply(in.substr(0, cut), 1 << 20, short_needed) ||
            short_needed > frame->consumed) {
          __builtin_trap();
        }
      }
      scales::redis::parseReply(in.substr(frame->offset, frame->size));
      in.remove_prefix(frame->consumed);
    }
  } catch (const scales::ProtocolError&) {
  }
  return 0;
}

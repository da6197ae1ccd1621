// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the Mux frame decoder: arbitrary bytes, read as a stream of frames. Every
// outcome must be a frame status or a ProtocolError, and what decodes must re-encode to a message
// that decodes to the same thing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scales/core/errors.h"
#include "scales/mux/frame.h"

namespace {

void checkRoundTrip(const scales::mux::Message& message) {
  if (std::holds_alternative<scales::mux::Unknown>(message)) return;
  std::string wire;
  try {
    scales::mux::encode(message, wire);
  } catch (const scales::ProtocolError&) {
    return;  // e.g. a tag that only fits on the wire with the fragment bit
  }
  scales::mux::Frame frame;
  size_t consumed = 0;
  if (scales::mux::readFrame(wire, wire.size(), frame, consumed) !=
      scales::mux::FrameStatus::kComplete) {
    __builtin_trap();
  }
  std::string again;
  scales::mux::encode(scales::mux::decode(frame.type, frame.tag, frame.body), again);
  if (again != wire) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    scales::mux::Frame frame;
    size_t consumed = 0;
    if (scales::mux::readFrame(rest, 1 << 16, frame, consumed) !=
        scales::mux::FrameStatus::kComplete) {
      break;
    }
    try {
      checkRoundTrip(scales::mux::decode(frame.type, frame.tag, frame.body));
    } catch (const scales::ProtocolError&) {
    }
    rest.remove_prefix(consumed);
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the Kafka response decoders (Metadata v1, Produce v7): arbitrary bytes
// must decode or raise ProtocolError, never crash or allocate beyond what the bytes can hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scales/core/errors.h"
#include "scales/kafka/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    scales::kafka::decodeMetadataResponse(in);
  } catch (const scales::ProtocolError&) {
  }
  try {
    scales::kafka::decodeProduceResponse(in);
  } catch (const scales::ProtocolError&) {
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// The record batch codecs (magic 2), byte for byte as Kafka's own clients write them, so that any
// broker and consumer reads them:
//   gzip    deflate in a gzip wrapper (RFC 1952), as the Java client and librdkafka write it.
//   snappy  raw snappy, no xerial (snappy-java) framing: what librdkafka sends for magic 2
//           (rdkafka_msgset_writer.c). Java brokers and consumers (snappy-java's input stream) and
//           librdkafka read both forms.
//   lz4     one LZ4 frame with independent blocks and a correct header checksum (the Java client
//           refuses linked blocks; magic 0's broken checksum is long gone).
//   zstd    one zstd frame (Produce v7+ only: older versions refuse it).
#pragma once

#include <string>
#include <string_view>

#include "scales/kafka/wire.h"

namespace scales::kafka {

// `bytes` in `codec`'s format (kNone: as they are). Throws Error if the library fails, which with
// well-formed arguments means it could not allocate.
std::string compress(Compression codec, std::string_view bytes);

}  // namespace scales::kafka

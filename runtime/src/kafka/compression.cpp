// SPDX-License-Identifier: Apache-2.0
#include "kafka/compression.h"

#define ZLIB_CONST  // zlib's input pointer is const: it never writes there
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <limits>
#include <memory>

#include "scales/core/errors.h"

namespace scales::kafka {
namespace {

std::string gzip(std::string_view in) {
  // zlib counts input in uInt; a record batch's int32 length keeps it far below.
  if (in.size() > std::numeric_limits<uInt>::max()) throw Error("kafka: gzip input too large");
  z_stream z{};
  // windowBits 15 + 16: the gzip wrapper Kafka expects around the deflate stream. A fresh stream
  // per batch (zlib allocates ~256 KiB): gzip is the slow codec anyway.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("kafka: gzip: deflateInit2 failed");
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, deflateEnd);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<const Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound's room lets one Z_FINISH call complete the stream.
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw Error("kafka: gzip: deflate failed");
  out.resize(z.total_out);
  return out;
}

std::string snappyRaw(std::string_view in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

std::string lz4Frame(std::string_view in) {
  LZ4F_preferences_t prefs{};  // 64 KiB blocks, no checksums beyond the header's
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // Kafka's Java reader refuses linked blocks
  std::string out(LZ4F_compressFrameBound(in.size(), &prefs), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) throw Error(std::string("kafka: lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstdFrame(std::string_view in) {
  // One context per thread, reused: ZSTD_compress would allocate and free its ~1 MiB workspace
  // for every batch.
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(),
                                                                          ZSTD_freeCCtx);
  if (!context) throw Error("kafka: zstd: no compression context");
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compressCCtx(context.get(), out.data(), out.size(), in.data(), in.size(),
                               ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) throw Error(std::string("kafka: zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

}  // namespace

std::string compress(Compression codec, std::string_view bytes) {
  switch (codec) {
    case Compression::kNone:
      break;
    case Compression::kGzip:
      return gzip(bytes);
    case Compression::kSnappy:
      return snappyRaw(bytes);
    case Compression::kLz4:
      return lz4Frame(bytes);
    case Compression::kZstd:
      return zstdFrame(bytes);
  }
  return std::string(bytes);
}

}  // namespace scales::kafka

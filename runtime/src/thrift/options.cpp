// SPDX-License-Identifier: Apache-2.0
#include "scales/thrift/options.h"

#include "scales/core/errors.h"

namespace scales::thrift {

Protocol parseProtocol(std::string_view name) {
  if (name == "binary") return Protocol::kBinary;
  if (name == "compact") return Protocol::kCompact;
  throw ConfigError("unknown thrift protocol '" + std::string(name) + "'; valid: binary, compact");
}

Transport parseTransport(std::string_view name) {
  if (name == "mux") return Transport::kMux;
  if (name == "framed") return Transport::kFramed;
  throw ConfigError("unknown thrift transport '" + std::string(name) + "'; valid: framed, mux");
}

#define SCALES_KNOB(expr) \
  [](ThriftOptions & o) -> auto& { return o.expr; }

const OptionKeys<ThriftOptions>& ThriftOptions::uriKeys() {
  static const OptionKeys<ThriftOptions> keys = [] {
    OptionKeys<ThriftOptions> k;
    k.add("protocol", [](ThriftOptions& o, const std::string& v) { o.protocol = parseProtocol(v); })
        .add("transport",
             [](ThriftOptions& o, const std::string& v) { o.transport = parseTransport(v); })
        .flag("pipelined", SCALES_KNOB(pipelined))
        .count("max_frame_bytes", SCALES_KNOB(max_frame_bytes))
        .text("hash_field", SCALES_KNOB(hash_field))
        .millis("ping_interval_ms", SCALES_KNOB(mux.ping_interval))
        .millis("ping_timeout_ms", SCALES_KNOB(mux.ping_timeout))
        .text("client_id", SCALES_KNOB(mux.client_id))
        .add("opportunistic_tls", [](ThriftOptions& o, const std::string& v) {
          auto level = mux::parseTlsLevel(v);
          if (!level) {
            throw ConfigError("unknown opportunistic_tls '" + v +
                              "'; valid: off, desired, required");
          }
          o.mux.opportunistic_tls = *level;
        });
    return k;
  }();
  return keys;
}
#undef SCALES_KNOB

void ThriftOptions::validate() const {
  if (pipelined && transport != Transport::kFramed) {
    throw ConfigError("pipelined=true is for transport=framed (Mux multiplexes calls already)");
  }
  if (max_frame_bytes == 0) throw ConfigError("thrift max_frame_bytes must be positive");
  if (mux.opportunistic_tls != mux::TlsLevel::kOff && transport != Transport::kMux) {
    throw ConfigError("opportunistic_tls is negotiated by Mux; framed Thrift takes tls=true");
  }
}

}  // namespace scales::thrift

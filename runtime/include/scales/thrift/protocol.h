// SPDX-License-Identifier: Apache-2.0
// The Thrift wire choices a client makes: the protocol that encodes messages and the transport
// that carries them.
#pragma once

#include <string_view>

namespace scales::thrift {

enum class Protocol { kBinary, kCompact };
enum class Transport { kMux, kFramed };

// "binary" | "compact"; throws ConfigError listing the valid names.
Protocol parseProtocol(std::string_view name);
// "mux" | "framed"; throws ConfigError listing the valid names.
Transport parseTransport(std::string_view name);

}  // namespace scales::thrift

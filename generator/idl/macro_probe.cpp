// SPDX-License-Identifier: Apache-2.0
// Not compiled: preprocessed at build time (cmake/SystemMacros.cmake, `-dM -E`, GNU mode) to list
// every macro in scope of generated code, which name_rules refuses as IDL names. It includes what
// the generated files include: Thrift's types files and the scales service layer.
#include <thrift/TApplicationException.h>
#include <thrift/TBase.h>
#include <thrift/TToString.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TProtocol.h>
#include <thrift/transport/TTransport.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scales/client/config.h"
#include "scales/server/call_deadline.h"
#include "scales/server/dispatcher.h"
#include "scales/server/reply.h"
#include "scales/server/thrift_codec.h"
#include "scales/thrift/codec.h"
#include "scales/thrift/hash_argument.h"
#include "scales/thrift/invoke.h"
#include "scales/thrift/message.h"
#include "scales/thrift/wire.h"

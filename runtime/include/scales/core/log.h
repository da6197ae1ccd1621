// SPDX-License-Identifier: Apache-2.0
// Where the runtime reports what it cannot hand to any caller: an exception that escaped a
// callback or a handler on an event loop, or an allocation that failed there. Standard error by
// default; setLogSink() routes the lines to an application's own logging. Refusals that a peer
// can cause at will (timeouts, protocol errors, overload) are counted, never logged, so a hostile
// peer cannot flood the log.
#pragma once

#include <functional>
#include <string_view>

namespace scales {

using LogSink = std::function<void(std::string_view line)>;

// Replaces the sink (thread-safe); null restores standard error.
void setLogSink(LogSink sink);
void logError(std::string_view line);

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// Where the runtime reports what it cannot hand to any caller: an exception that escaped a
// callback or a handler on an event loop, or an allocation that failed there. Standard error by
// default; setLogSink() routes the lines to an application's own logging. Refusals that a peer
// can cause at will (timeouts, protocol errors, overload) are counted, never logged, so a hostile
// peer cannot flood the log.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace scales {

using LogSink = std::function<void(std::string_view line)>;

// Replaces the sink (thread-safe); null restores standard error.
void setLogSink(LogSink sink);
void logError(std::string_view line);

// Inside a catch block: logs the exception being handled as having escaped `where` and counts
// it. For exceptions nothing above the event loop could take (a user's callback that threw).
void logEscaped(std::string_view where);
// Exceptions logged by logEscaped() since the process started.
uint64_t escapedExceptions();

}  // namespace scales

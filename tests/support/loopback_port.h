// SPDX-License-Identifier: Apache-2.0
// A port on 127.0.0.1 that nothing listens on right now, for servers started by tests that must
// be told their port (ZooKeeper, dnsmasq) and for "nothing listens here" addresses. Chosen below
// the kernel's ephemeral range, so that no outgoing connection takes it while a test is not
// listening on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace scales::testing {

uint16_t freeLoopbackPort();

// Waits until something accepts TCP connections on 127.0.0.1:`port` (a server started in another
// process, which offers no event to wait on: a bounded poll). Throws naming `what` on timeout.
void waitUntilListening(uint16_t port, std::chrono::milliseconds timeout, const std::string& what);

}  // namespace scales::testing

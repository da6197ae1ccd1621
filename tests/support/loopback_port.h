// SPDX-License-Identifier: Apache-2.0
// A port on 127.0.0.1 that nothing listens on right now, for servers started by tests that must
// be told their port (ZooKeeper, dnsmasq) and for "nothing listens here" addresses.
#pragma once

#include <cstdint>

namespace scales::testing {

uint16_t freeLoopbackPort();

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// The server's identity allowlist (TlsServerOptions::allowed_peers and
// allowed_peers_by_method): a Dispatcher in front of the service's that answers a call from a
// peer not on the list with a TApplicationException naming the peer, before any handler runs.
#pragma once

#include <memory>

#include "scales/metrics/metric.h"
#include "scales/server/dispatcher.h"
#include "scales/transport/tls.h"

namespace scales::server::detail {

// `inner` itself when `tls` has no allowlist.
std::shared_ptr<Dispatcher> guardPeers(std::shared_ptr<Dispatcher> inner,
                                       const transport::TlsServerOptions& tls,
                                       std::shared_ptr<metrics::Counter> refused);

}  // namespace scales::server::detail

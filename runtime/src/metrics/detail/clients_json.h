// SPDX-License-Identifier: Apache-2.0
// /admin.json: every client's status (scales/metrics/client_status.h) as the admin page reads
// it. Times are milliseconds since the Unix epoch (0: never), with the server's own `now_ms` so
// the page can show ages without trusting the browser's clock; histograms list their non-empty
// buckets as [upper bound in microseconds, count].
#pragma once

#include <string>
#include <vector>

#include "scales/metrics/client_status.h"

namespace scales::metrics::detail {

std::string clientsJson(const std::vector<ClientStatus>& clients, WallTime now);

}  // namespace scales::metrics::detail

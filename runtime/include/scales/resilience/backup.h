// SPDX-License-Identifier: Apache-2.0
// Backup (hedged) requests: when an attempt has not answered by a latency percentile of recent
// calls, a second copy goes to another endpoint; the first good reply wins and the other copy is
// cancelled (a Mux server hears Tdiscarded). A backup withdraws from the client's retry budget,
// and none is sent when the deadline would pass before the backup could matter. Off by default;
// `percentile` 95 means about 5% extra load, as Finagle's maxExtraLoad = 0.05.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "scales/core/service.h"
#include "scales/resilience/latency_window.h"
#include "scales/resilience/retry_budget.h"

namespace scales::resilience {

struct BackupOptions {
  double percentile = 0;                              // (0, 100): send backups; 0: off
  Duration min_delay = std::chrono::milliseconds(1);  // never sooner than this (Finagle: 1 ms)
  int64_t min_samples = 50;  // latencies the window needs before any backup is sent
  void validate() const;     // throws ConfigError
};

// Returns `next` itself when backups are off.
std::unique_ptr<RpcService> backupFilter(std::unique_ptr<RpcService> next,
                                         const BackupOptions& options,
                                         std::shared_ptr<RetryBudget> budget,
                                         std::shared_ptr<AttemptCounters> counters,
                                         std::shared_ptr<LatencyWindow> latencies,
                                         boost::asio::any_io_executor executor);

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
// Outlier ejection: every `interval`, each endpoint's failure rate and mean latency over that
// interval are compared with the median of its peers. An endpoint that fails `failure_rate_margin`
// more often than the median (e.g. 0.6 against 0.1), or is `latency_factor` times slower, is
// ejected for `base_ejection` times the number of times it has been ejected (capped at
// `max_ejection`), and never so many that more than `max_ejection_fraction` of the set is out.
// Unlike failure accrual it judges an endpoint against the others, so it also catches one that
// is merely much worse. Pure logic; the balanced service runs it and ejects nodes.
#pragma once

#include <cstdint>
#include <vector>

#include "scales/core/deadline.h"

namespace scales::resilience {

struct OutlierOptions {
  Duration interval = Duration::zero();  // zero: no outlier ejection
  int64_t min_requests = 20;             // in the interval, to be judged or to be a peer
  double failure_rate_margin = 0.5;      // 0: not judged by failures
  double latency_factor = 0;             // e.g. 5; 0: not judged by latency
  double max_ejection_fraction = 0.34;   // of the endpoint set
  Duration base_ejection = std::chrono::seconds(30);
  Duration max_ejection = std::chrono::seconds(300);
  void validate() const;  // throws ConfigError
};

// One endpoint's interval, as the detector sees it.
struct OutlierSample {
  int64_t requests = 0;
  int64_t failures = 0;
  Duration mean_latency{};
  bool ejected = false;  // already out
};

class OutlierDetector {
 public:
  explicit OutlierDetector(const OutlierOptions& options);

  // Indexes into `samples` to eject now, worst first, within the fraction left.
  std::vector<size_t> judge(const std::vector<OutlierSample>& samples) const;
  // How long an endpoint ejected for the `times`-th time (from 1) stays out.
  Duration ejectionFor(int times) const;
  const OutlierOptions& options() const { return options_; }

 private:
  OutlierOptions options_;
};

}  // namespace scales::resilience

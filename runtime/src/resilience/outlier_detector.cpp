// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/outlier_detector.h"

#include <algorithm>
#include <cmath>

#include "scales/core/errors.h"

namespace scales::resilience {

void OutlierOptions::validate() const {
  if (max_ejection_fraction < 0 || max_ejection_fraction > 1) {
    throw ConfigError("outlier max_ejection_fraction must be within [0, 1]");
  }
  if (failure_rate_margin < 0 || latency_factor < 0) {
    throw ConfigError("outlier failure_rate_margin and latency_factor must not be negative");
  }
}

OutlierDetector::OutlierDetector(const OutlierOptions& options) : options_(options) {
  options_.validate();
}

namespace {
template <class T>
T median(std::vector<T> values) {
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}
}  // namespace

std::vector<size_t> OutlierDetector::judge(const std::vector<OutlierSample>& samples) const {
  std::vector<double> rates;
  std::vector<Duration> latencies;
  size_t already_out = 0;
  for (const auto& s : samples) {
    if (s.ejected) ++already_out;
    if (s.ejected || s.requests < options_.min_requests) continue;
    rates.push_back(static_cast<double>(s.failures) / static_cast<double>(s.requests));
    latencies.push_back(s.mean_latency);
  }
  // A median needs peers: with fewer than three judged endpoints no one stands out.
  if (rates.size() < 3) return {};
  double typical_rate = median(rates);
  Duration typical_latency = median(latencies);

  // How far past its threshold each candidate is, to eject the worst first.
  std::vector<std::pair<double, size_t>> outliers;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    if (s.ejected || s.requests < options_.min_requests) continue;
    double rate = static_cast<double>(s.failures) / static_cast<double>(s.requests);
    double excess = 0;
    if (options_.failure_rate_margin > 0 && rate - typical_rate >= options_.failure_rate_margin) {
      excess = std::max(excess, (rate - typical_rate) / options_.failure_rate_margin);
    }
    if (options_.latency_factor > 0 && typical_latency > Duration::zero() &&
        s.mean_latency >= typical_latency * options_.latency_factor) {
      excess = std::max(
          excess, static_cast<double>(s.mean_latency.count()) /
                      (static_cast<double>(typical_latency.count()) * options_.latency_factor));
    }
    if (excess > 0) outliers.emplace_back(excess, i);
  }
  std::sort(outliers.begin(), outliers.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  auto allowed = static_cast<size_t>(
      std::floor(options_.max_ejection_fraction * static_cast<double>(samples.size())));
  size_t room = allowed > already_out ? allowed - already_out : 0;
  std::vector<size_t> eject;
  for (size_t k = 0; k < outliers.size() && k < room; ++k) eject.push_back(outliers[k].second);
  return eject;
}

Duration OutlierDetector::ejectionFor(int times) const {
  auto ejection = options_.base_ejection * std::max(times, 1);
  return std::min(ejection, options_.max_ejection);
}

}  // namespace scales::resilience

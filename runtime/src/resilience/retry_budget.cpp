// SPDX-License-Identifier: Apache-2.0
#include "scales/resilience/retry_budget.h"

#include <cmath>
#include <numeric>
#include <string>

#include "scales/core/errors.h"

namespace scales::resilience {
namespace {
constexpr int64_t kScale = 1000;  // Finagle's: integer tokens with room for fractional percents
}  // namespace

void RetryBudgetOptions::validate() const {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  if (seconds < 1 || seconds > 60) {
    throw ConfigError("retry budget ttl must be between 1 and 60 seconds (got " +
                      std::to_string(seconds) + " s)");
  }
  if (min_retries_per_second < 0 || percent_can_retry < 0) {
    throw ConfigError("retry budget rates must not be negative");
  }
}

RetryBudget::RetryBudget(RetryBudgetOptions options) : options_(std::move(options)) {
  options_.validate();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.ttl).count();
  deposit_ = kScale;
  // With no percentage, a retry costs more than the window could ever hold in deposits, so only
  // the reserve pays for retries.
  withdraw_ = options_.percent_can_retry > 0
                  ? static_cast<int64_t>(std::llround(kScale / options_.percent_can_retry))
                  : int64_t{1} << 40;
  reserve_ = static_cast<int64_t>(options_.min_retries_per_second * static_cast<double>(seconds)) *
             withdraw_;
  slots_.assign(static_cast<size_t>(seconds), 0);
  current_second_ =
      std::chrono::duration_cast<std::chrono::seconds>(options_.clock().time_since_epoch()).count();
}

void RetryBudget::advance() const {
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(options_.clock().time_since_epoch()).count();
  auto n = static_cast<int64_t>(slots_.size());
  // Slots of the seconds that passed expire (all of them after a full ttl of silence).
  for (int64_t s = current_second_ + 1; s <= now && s <= current_second_ + n; ++s) {
    slots_[static_cast<size_t>(s % n)] = 0;
  }
  if (now > current_second_) current_second_ = now;
}

int64_t RetryBudget::sum() const {
  return std::accumulate(slots_.begin(), slots_.end(), int64_t{0});
}

void RetryBudget::deposit() {
  advance();
  slots_[static_cast<size_t>(current_second_ % static_cast<int64_t>(slots_.size()))] += deposit_;
}

bool RetryBudget::tryWithdraw() {
  advance();
  if (reserve_ + sum() < withdraw_) {
    if (!options_.shadow) return false;
    if (shadow_refusals_) shadow_refusals_->add();
    return true;  // nothing to withdraw from: the balance stays where it is
  }
  slots_[static_cast<size_t>(current_second_ % static_cast<int64_t>(slots_.size()))] -= withdraw_;
  return true;
}

int64_t RetryBudget::available() const {
  advance();
  return (reserve_ + sum()) / withdraw_;
}

AttemptCounters::AttemptCounters(metrics::Registry& registry, const metrics::Labels& labels)
    : calls(registry.counter("calls", labels)),
      requeues(registry.counter("requeues", labels)),
      retries(registry.counter("retries", labels)),
      backups(registry.counter("backups", labels)),
      budget_exhausted(registry.counter("budget_exhausted", labels)),
      retries_declined_under_retry(registry.counter("retries_declined_under_retry", labels)) {}

}  // namespace scales::resilience

// SPDX-License-Identifier: Apache-2.0
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "scales/core/errors.h"
#include "scales/core/trace_context.h"
#include "scales/health/health_check.h"

namespace scales::health {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

void HealthCheckOptions::validate() const {
  if (!probe.empty()) probeRegistry().get(probe);  // throws naming the valid probes
  if (interval <= Duration::zero() || timeout <= Duration::zero() || healthy_threshold < 1 ||
      unhealthy_threshold < 1) {
    throw ConfigError("health check interval and timeout must be positive, thresholds at least 1");
  }
}

HealthChecker::HealthChecker(discovery::Endpoint endpoint, HealthCheckOptions options, Probe probe,
                             asio::any_io_executor executor, Listener listener)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      probe_(std::move(probe)),
      executor_(executor),
      listener_(std::move(listener)),
      timer_(executor) {
  options_.validate();
}

void HealthChecker::start() {
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void HealthChecker::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> HealthChecker::run() {
  // Spread the first probes of many endpoints over the interval instead of all at once.
  std::minstd_rand random(static_cast<std::minstd_rand::result_type>(randomId()));
  std::uniform_int_distribution<Duration::rep> offset(0, options_.interval.count());
  Duration wait(offset(random));
  while (!stopped_) {
    timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) co_return;
    wait = options_.interval;
    asio::steady_timer limit(executor_, options_.timeout);
    // Whichever finishes first cancels the other: a probe never outlives its timeout.
    auto result = co_await (probe_(endpoint_, options_) ||
                            limit.async_wait(asio::redirect_error(asio::use_awaitable, ec)));
    if (stopped_) co_return;
    observe(result.index() == 0 ? std::get<0>(result) : "probe timed out");
  }
}

void HealthChecker::observe(const std::string& failure) {
  bool ok = failure.empty();
  if (ok == healthy_) {
    streak_ = 0;
    return;
  }
  ++streak_;
  if (streak_ < (healthy_ ? options_.unhealthy_threshold : options_.healthy_threshold)) return;
  healthy_ = ok;
  streak_ = 0;
  listener_(healthy_,
            ok ? std::string() : endpoint_.address() + " failed its health check: " + failure);
}

}  // namespace scales::health

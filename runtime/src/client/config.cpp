// SPDX-License-Identifier: Apache-2.0
#include "scales/client/config.h"

#include <charconv>
#include <functional>
#include <map>
#include <type_traits>

#include "scales/balancer/balancers.h"
#include "scales/core/errors.h"

namespace scales {

ClientConfig::ClientConfig() = default;

namespace {

uint64_t parseCount(const discovery::Uri& uri, const std::string& key, const std::string& value) {
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    throw ConfigError("bad URI '" + uri.text + "': " + key + "='" + value +
                      "' is not a non-negative integer");
  }
  return out;
}

double parseNumber(const discovery::Uri& uri, const std::string& key, const std::string& value) {
  double out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || out < 0) {
    throw ConfigError("bad URI '" + uri.text + "': " + key + "='" + value +
                      "' is not a non-negative number");
  }
  return out;
}

Duration parseMillis(const discovery::Uri& uri, const std::string& key, const std::string& value) {
  return std::chrono::milliseconds(parseCount(uri, key, value));
}

using Setter = std::function<void(const discovery::Uri&, const std::string&, const std::string&,
                                  ClientConfig&)>;

// One setter per parse kind; `field` names the knob (a lambda returning a reference to it).
template <class Field>
Setter countOf(Field field) {
  return [field](auto& uri, auto& k, auto& v, ClientConfig& c) {
    auto& target = field(c);
    target = static_cast<std::remove_reference_t<decltype(target)>>(parseCount(uri, k, v));
  };
}
template <class Field>
Setter millisOf(Field field) {
  return
      [field](auto& uri, auto& k, auto& v, ClientConfig& c) { field(c) = parseMillis(uri, k, v); };
}
template <class Field>
Setter numberOf(Field field) {
  return
      [field](auto& uri, auto& k, auto& v, ClientConfig& c) { field(c) = parseNumber(uri, k, v); };
}
template <class Field>
Setter flagOf(Field field) {
  return [field](auto& uri, auto& k, auto& v, ClientConfig& c) {
    if (v != "true" && v != "false") {
      throw ConfigError("bad URI '" + uri.text + "': " + k + "='" + v + "' is not true or false");
    }
    field(c) = v == "true";
  };
}
// "true" / "false": the default for every method; otherwise a comma-separated list of methods
// made idempotent.
void setIdempotent(const discovery::Uri&, const std::string&, const std::string& value,
                   ClientConfig& config) {
  if (value == "true" || value == "false") {
    config.retry.idempotent = value == "true";
    return;
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (comma > start) config.methods[value.substr(start, comma - start)].idempotent = true;
    start = comma + 1;
  }
}

#define SCALES_KNOB(expr) \
  [](ClientConfig & c) -> auto& { return c.expr; }

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"timeout_ms", millisOf(SCALES_KNOB(timeout))},
      {"connect_timeout_ms", millisOf(SCALES_KNOB(connect_timeout))},
      {"balancer",
       [](auto&, auto&, auto& v, ClientConfig& c) {
         balancer::balancerRegistry().get(v);  // validate now, fail at construction
         c.balancer = v;
       }},
      {"protocol", [](auto&, auto&, auto& v,
                      ClientConfig& c) { c.thrift.protocol = thrift::parseProtocol(v); }},
      {"transport", [](auto&, auto&, auto& v,
                       ClientConfig& c) { c.thrift.transport = thrift::parseTransport(v); }},
      {"pipelined", flagOf(SCALES_KNOB(thrift.pipelined))},
      {"low_watermark", countOf(SCALES_KNOB(pool.low_watermark))},
      {"high_watermark", countOf(SCALES_KNOB(pool.high_watermark))},
      {"max_waiters", countOf(SCALES_KNOB(pool.max_waiters))},
      {"idle_timeout_ms", millisOf(SCALES_KNOB(pool.idle_timeout))},
      {"acquire_timeout_ms", millisOf(SCALES_KNOB(pool.acquire_timeout))},
      {"max_concurrency", countOf(SCALES_KNOB(concurrency.max_concurrency))},
      {"max_queue", countOf(SCALES_KNOB(concurrency.max_queue))},
      {"aperture_low_load", numberOf(SCALES_KNOB(balancer_options.aperture.low_load))},
      {"aperture_high_load", numberOf(SCALES_KNOB(balancer_options.aperture.high_load))},
      {"aperture_min_size", countOf(SCALES_KNOB(balancer_options.aperture.min_size))},
      {"aperture_max_size", countOf(SCALES_KNOB(balancer_options.aperture.max_size))},
      {"instance_id", countOf(SCALES_KNOB(balancer_options.deterministic.instance_id))},
      {"instance_count", countOf(SCALES_KNOB(balancer_options.deterministic.instance_count))},
      {"ewma_decay_ms", millisOf(SCALES_KNOB(balancer_options.ewma_decay))},
      {"accrual_failures", countOf(SCALES_KNOB(failure_accrual.consecutive_failures))},
      {"accrual_success_rate", numberOf(SCALES_KNOB(failure_accrual.required_success_rate))},
      {"accrual_backoff_ms", millisOf(SCALES_KNOB(failure_accrual.backoff_initial))},
      {"accrual_backoff_max_ms", millisOf(SCALES_KNOB(failure_accrual.backoff_max))},
      {"retry_percent", numberOf(SCALES_KNOB(retry_budget.percent_can_retry))},
      {"retry_min_per_second", numberOf(SCALES_KNOB(retry_budget.min_retries_per_second))},
      {"hash_field", [](auto&, auto&, auto& v, ClientConfig& c) { c.hash_field = v; }},
      {"ring_points", countOf(SCALES_KNOB(balancer_options.ring_points))},
      {"max_requeues", countOf(SCALES_KNOB(retry.max_requeues))},
      {"max_retries", countOf(SCALES_KNOB(retry.max_retries))},
      {"retry_backoff_ms", millisOf(SCALES_KNOB(retry.backoff_initial))},
      {"retry_backoff_max_ms", millisOf(SCALES_KNOB(retry.backoff_max))},
      {"attempt_timeout_ms", millisOf(SCALES_KNOB(retry.attempt_timeout))},
      {"idempotent", setIdempotent},
      {"backup_percentile", numberOf(SCALES_KNOB(backup.percentile))},
      {"backup_min_delay_ms", millisOf(SCALES_KNOB(backup.min_delay))},
      {"breaker_max_failures", countOf(SCALES_KNOB(breaker.max_failures))},
      {"breaker_time_unit_ms", millisOf(SCALES_KNOB(breaker.time_unit))},
      {"breaker_reset_timeout_ms", millisOf(SCALES_KNOB(breaker.reset_timeout))},
      {"health_check",
       [](auto&, auto&, auto& v, ClientConfig& c) {
         if (!v.empty()) health::probeRegistry().get(v);  // validate now
         c.health_check.probe = v;
       }},
      {"health_interval_ms", millisOf(SCALES_KNOB(health_check.interval))},
      {"health_timeout_ms", millisOf(SCALES_KNOB(health_check.timeout))},
      {"health_healthy_threshold", countOf(SCALES_KNOB(health_check.healthy_threshold))},
      {"health_unhealthy_threshold", countOf(SCALES_KNOB(health_check.unhealthy_threshold))},
      {"health_path", [](auto&, auto&, auto& v, ClientConfig& c) { c.health_check.http_path = v; }},
      {"outlier_interval_ms", millisOf(SCALES_KNOB(outliers.interval))},
      {"outlier_min_requests", countOf(SCALES_KNOB(outliers.min_requests))},
      {"outlier_failure_margin", numberOf(SCALES_KNOB(outliers.failure_rate_margin))},
      {"outlier_latency_factor", numberOf(SCALES_KNOB(outliers.latency_factor))},
      {"outlier_max_fraction", numberOf(SCALES_KNOB(outliers.max_ejection_fraction))},
      {"outlier_ejection_ms", millisOf(SCALES_KNOB(outliers.base_ejection))},
      {"zk_session_timeout_ms", millisOf(SCALES_KNOB(discovery.zk_session_timeout))},
      {"resolve_timeout_ms", millisOf(SCALES_KNOB(discovery.resolve_timeout))},
      {"dns_min_refresh_ms", millisOf(SCALES_KNOB(discovery.dns_min_refresh))},
      {"dns_max_refresh_ms", millisOf(SCALES_KNOB(discovery.dns_max_refresh))},
      {"dns_servers", [](auto&, auto&, auto& v, ClientConfig& c) { c.discovery.dns_servers = v; }},
      {"ping_interval_ms", millisOf(SCALES_KNOB(mux.ping_interval))},
      {"max_frame_bytes", countOf(SCALES_KNOB(thrift.max_frame_bytes))},
  };
  return table;
}
#undef SCALES_KNOB

}  // namespace

void applyUriOptions(const discovery::Uri& uri, ClientConfig& config) {
  for (const auto& [key, value] : uri.query) {
    auto it = setters().find(key);
    if (it == setters().end()) {
      std::string valid;
      for (const auto& [name, setter] : setters()) valid += (valid.empty() ? "" : ", ") + name;
      throw ConfigError("bad URI '" + uri.text + "': unknown option '" + key +
                        "'; valid: " + valid);
    }
    it->second(uri, key, value, config);
  }
}

}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
#include "scales/client/config.h"

#include "scales/client/uri_options.h"
#include "scales/core/errors.h"

namespace scales {

ClientConfig::ClientConfig() = default;

void ClientConfig::validate() const {
  if (!balancer.empty()) balancer::balancerRegistry().get(balancer);
  if (!pool_kind.empty()) pool::poolRegistry().get(pool_kind);
  if (pool.high_watermark < 1 || pool.low_watermark > pool.high_watermark) {
    throw ConfigError("pool watermarks need 0 <= low_watermark <= high_watermark, high >= 1");
  }
  if (!(panic_threshold >= 0 && panic_threshold <= 1)) {
    throw ConfigError("panic_threshold must be between 0 and 1, got " +
                      std::to_string(panic_threshold));
  }
  balancer_options.slow_start.validate();
  if (concurrency.adaptive.enabled) concurrency.adaptive.validate();
  breaker.validate();
  health_check.validate();
  outliers.validate();
  backup.validate();
  retry_budget.validate();
  tls.validate();
  client::planLayers(layers);
}

namespace client {
namespace {

// "true" / "false": the default for every method; otherwise a comma-separated list of methods
// made idempotent.
void setIdempotent(ClientConfig& config, const std::string& value) {
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

// A name checked against its registry now, so a typo fails at construction.
template <class Check>
OptionKeys<ClientConfig>::Setter named(Check check, std::string ClientConfig::*field) {
  return [check, field](ClientConfig& c, const std::string& v) {
    check(v);
    c.*field = v;
  };
}

#define SCALES_KNOB(expr) \
  [](ClientConfig & c) -> auto& { return c.expr; }

OptionKeys<ClientConfig> makeStackKeys() {
  OptionKeys<ClientConfig> keys;
  keys.millis("timeout_ms", SCALES_KNOB(timeout))
      .millis("connect_timeout_ms", SCALES_KNOB(connect_timeout))
      .millis("drain_timeout_ms", SCALES_KNOB(drain_timeout))
      .flag("preconnect", SCALES_KNOB(preconnect))
      .add("balancer", named([](const std::string& v) { balancer::balancerRegistry().get(v); },
                             &ClientConfig::balancer))
      // Pool
      .add("pool", named([](const std::string& v) { pool::poolRegistry().get(v); },
                         &ClientConfig::pool_kind))
      .count("low_watermark", SCALES_KNOB(pool.low_watermark))
      .count("high_watermark", SCALES_KNOB(pool.high_watermark))
      .count("max_waiters", SCALES_KNOB(pool.max_waiters))
      .millis("idle_timeout_ms", SCALES_KNOB(pool.idle_timeout))
      .millis("acquire_timeout_ms", SCALES_KNOB(pool.acquire_timeout))
      .count("max_concurrency", SCALES_KNOB(concurrency.max_concurrency))
      .count("max_queue", SCALES_KNOB(concurrency.max_queue))
      .flag("concurrency_shadow", SCALES_KNOB(concurrency.shadow))
      .flag("adaptive_concurrency", SCALES_KNOB(concurrency.adaptive.enabled))
      .count("adaptive_initial_limit", SCALES_KNOB(concurrency.adaptive.initial_limit))
      .count("adaptive_min_limit", SCALES_KNOB(concurrency.adaptive.min_limit))
      .count("adaptive_max_limit", SCALES_KNOB(concurrency.adaptive.max_limit))
      .number("adaptive_tolerance", SCALES_KNOB(concurrency.adaptive.tolerance))
      .number("adaptive_smoothing", SCALES_KNOB(concurrency.adaptive.smoothing))
      // Balancers
      .number("aperture_low_load", SCALES_KNOB(balancer_options.aperture.low_load))
      .number("aperture_high_load", SCALES_KNOB(balancer_options.aperture.high_load))
      .count("aperture_min_size", SCALES_KNOB(balancer_options.aperture.min_size))
      .count("aperture_max_size", SCALES_KNOB(balancer_options.aperture.max_size))
      .count("instance_id", SCALES_KNOB(balancer_options.deterministic.instance_id))
      .count("instance_count", SCALES_KNOB(balancer_options.deterministic.instance_count))
      .millis("ewma_decay_ms", SCALES_KNOB(balancer_options.ewma_decay))
      .count("ring_points", SCALES_KNOB(balancer_options.ring_points))
      .number("panic_threshold", SCALES_KNOB(panic_threshold))
      .millis("slow_start_window_ms", SCALES_KNOB(balancer_options.slow_start.window))
      .number("slow_start_aggression", SCALES_KNOB(balancer_options.slow_start.aggression))
      .number("slow_start_min_weight", SCALES_KNOB(balancer_options.slow_start.min_weight))
      // Failure accrual and the breaker
      .count("accrual_failures", SCALES_KNOB(failure_accrual.consecutive_failures))
      .number("accrual_success_rate", SCALES_KNOB(failure_accrual.required_success_rate))
      .millis("accrual_backoff_ms", SCALES_KNOB(failure_accrual.backoff_initial))
      .millis("accrual_backoff_max_ms", SCALES_KNOB(failure_accrual.backoff_max))
      .count("breaker_max_failures", SCALES_KNOB(breaker.max_failures))
      .millis("breaker_time_unit_ms", SCALES_KNOB(breaker.time_unit))
      .millis("breaker_reset_timeout_ms", SCALES_KNOB(breaker.reset_timeout))
      .flag("breaker_shadow", SCALES_KNOB(breaker.shadow))
      // Retries, their budget and backups
      .number("retry_percent", SCALES_KNOB(retry_budget.percent_can_retry))
      .number("retry_min_per_second", SCALES_KNOB(retry_budget.min_retries_per_second))
      .flag("retry_budget_shadow", SCALES_KNOB(retry_budget.shadow))
      .count("max_requeues", SCALES_KNOB(retry.max_requeues))
      .count("max_retries", SCALES_KNOB(retry.max_retries))
      .millis("retry_backoff_ms", SCALES_KNOB(retry.backoff_initial))
      .millis("retry_backoff_max_ms", SCALES_KNOB(retry.backoff_max))
      .millis("attempt_timeout_ms", SCALES_KNOB(retry.attempt_timeout))
      .add("idempotent", setIdempotent)
      .flag("retry_within_retry", SCALES_KNOB(retry.retry_within_retry))
      .number("backup_percentile", SCALES_KNOB(backup.percentile))
      .millis("backup_min_delay_ms", SCALES_KNOB(backup.min_delay))
      // Health checks and outliers
      .add("health_check",
           [](ClientConfig& c, const std::string& v) {
             if (!v.empty()) health::probeRegistry().get(v);
             c.health_check.probe = v;
           })
      .millis("health_interval_ms", SCALES_KNOB(health_check.interval))
      .millis("health_timeout_ms", SCALES_KNOB(health_check.timeout))
      .count("health_healthy_threshold", SCALES_KNOB(health_check.healthy_threshold))
      .count("health_unhealthy_threshold", SCALES_KNOB(health_check.unhealthy_threshold))
      .text("health_path", SCALES_KNOB(health_check.http_path))
      .millis("outlier_interval_ms", SCALES_KNOB(outliers.interval))
      .count("outlier_min_requests", SCALES_KNOB(outliers.min_requests))
      .number("outlier_failure_margin", SCALES_KNOB(outliers.failure_rate_margin))
      .number("outlier_latency_factor", SCALES_KNOB(outliers.latency_factor))
      .number("outlier_max_fraction", SCALES_KNOB(outliers.max_ejection_fraction))
      .millis("outlier_ejection_ms", SCALES_KNOB(outliers.base_ejection))
      // Discovery
      .millis("zk_session_timeout_ms", SCALES_KNOB(discovery.zk_session_timeout))
      .millis("resolve_timeout_ms", SCALES_KNOB(discovery.resolve_timeout))
      .millis("dns_min_refresh_ms", SCALES_KNOB(discovery.dns_min_refresh))
      .millis("dns_max_refresh_ms", SCALES_KNOB(discovery.dns_max_refresh))
      .text("dns_servers", SCALES_KNOB(discovery.dns_servers))
      // TLS
      .flag("tls", SCALES_KNOB(tls.enabled))
      .text("tls_ca", SCALES_KNOB(tls.ca))
      .text("tls_cert", SCALES_KNOB(tls.cert))
      .text("tls_key", SCALES_KNOB(tls.key))
      .text("tls_server_name", SCALES_KNOB(tls.server_name))
      .flag("tls_verify", SCALES_KNOB(tls.verify))
      .add("tls_peer",
           [](ClientConfig& c, const std::string& v) {
             // Comma-separated: any of them will do.
             size_t start = 0;
             while (start <= v.size()) {
               size_t comma = std::min(v.find(',', start), v.size());
               if (comma > start) c.tls.peer_identities.push_back(v.substr(start, comma - start));
               start = comma + 1;
             }
           })
      .millis("tls_handshake_timeout_ms", SCALES_KNOB(tls.handshake_timeout));
  return keys;
}
#undef SCALES_KNOB

}  // namespace

const OptionKeys<ClientConfig>& stackKeys() {
  static const OptionKeys<ClientConfig> keys = makeStackKeys();
  return keys;
}

namespace detail {

void badValue(const discovery::Uri& uri, const std::string& key, const std::string& value,
              const ConfigError& why) {
  throw ConfigError("bad URI '" + uri.text + "': " + key + "='" + value + "': " + why.what());
}

void unknownKey(const discovery::Uri& uri, const std::string& key, std::string_view protocol,
                const std::vector<std::string>& keys) {
  std::string own;
  for (const auto& k : keys) own += (own.empty() ? "" : ", ") + k;
  std::string stack;
  for (const auto& k : stackKeys().list()) stack += (stack.empty() ? "" : ", ") + k;
  throw ConfigError(
      "bad URI '" + uri.text + "': unknown option '" + key + "' for a " + std::string(protocol) +
      " client; valid: " + (own.empty() ? "" : own + " (" + std::string(protocol) + "); ") + stack +
      " (every client)");
}

}  // namespace detail
}  // namespace client
}  // namespace scales

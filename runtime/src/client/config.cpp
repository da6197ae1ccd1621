// SPDX-License-Identifier: Apache-2.0
#include "scales/client/config.h"

#include <charconv>
#include <functional>
#include <map>

#include "scales/balancer/balancers.h"
#include "scales/core/errors.h"

namespace scales {
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

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"timeout_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.timeout = std::chrono::milliseconds(parseCount(uri, k, v));
       }},
      {"connect_timeout_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.connect_timeout = std::chrono::milliseconds(parseCount(uri, k, v));
       }},
      {"balancer",
       [](auto&, auto&, auto& v, ClientConfig& c) {
         balancer::balancerRegistry().get(v);  // validate now, fail at construction
         c.balancer = v;
       }},
      {"protocol", [](auto&, auto&, auto& v,
                      ClientConfig& c) { c.thrift.protocol = thrift::parseProtocol(v); }},
      {"transport", [](auto&, auto&, auto& v,
                       ClientConfig& c) { c.thrift.transport = thrift::parseTransport(v); }},
      {"low_watermark", [](auto& uri, auto& k, auto& v,
                           ClientConfig& c) { c.pool.low_watermark = parseCount(uri, k, v); }},
      {"high_watermark", [](auto& uri, auto& k, auto& v,
                            ClientConfig& c) { c.pool.high_watermark = parseCount(uri, k, v); }},
      {"max_waiters", [](auto& uri, auto& k, auto& v,
                         ClientConfig& c) { c.pool.max_waiters = parseCount(uri, k, v); }},
      {"idle_timeout_ms", [](auto& uri, auto& k, auto& v,
                             ClientConfig& c) { c.pool.idle_timeout = parseMillis(uri, k, v); }},
      {"acquire_timeout_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.pool.acquire_timeout = parseMillis(uri, k, v);
       }},
      {"max_concurrency",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.concurrency.max_concurrency = parseCount(uri, k, v);
       }},
      {"max_queue", [](auto& uri, auto& k, auto& v,
                       ClientConfig& c) { c.concurrency.max_queue = parseCount(uri, k, v); }},
      {"aperture_low_load",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.aperture.low_load = parseNumber(uri, k, v);
       }},
      {"aperture_high_load",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.aperture.high_load = parseNumber(uri, k, v);
       }},
      {"aperture_min_size",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.aperture.min_size = parseCount(uri, k, v);
       }},
      {"aperture_max_size",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.aperture.max_size = parseCount(uri, k, v);
       }},
      {"instance_id",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.deterministic.instance_id = static_cast<int>(parseCount(uri, k, v));
       }},
      {"instance_count",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.deterministic.instance_count = static_cast<int>(parseCount(uri, k, v));
       }},
      {"ewma_decay_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.ewma_decay = parseMillis(uri, k, v);
       }},
      {"accrual_failures",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.failure_accrual.consecutive_failures = static_cast<int>(parseCount(uri, k, v));
       }},
      {"accrual_success_rate",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.failure_accrual.required_success_rate = parseNumber(uri, k, v);
       }},
      {"accrual_backoff_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.failure_accrual.backoff_initial = parseMillis(uri, k, v);
       }},
      {"accrual_backoff_max_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.failure_accrual.backoff_max = parseMillis(uri, k, v);
       }},
      {"retry_percent",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.retry_budget.percent_can_retry = parseNumber(uri, k, v);
       }},
      {"retry_min_per_second",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.retry_budget.min_retries_per_second = parseNumber(uri, k, v);
       }},
      {"hash_field", [](auto&, auto&, auto& v, ClientConfig& c) { c.hash_field = v; }},
      {"ring_points",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.balancer_options.ring_points = parseCount(uri, k, v);
       }},
      {"max_requeues",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.requeue.max_requeues = static_cast<int>(parseCount(uri, k, v));
       }},
      {"ping_interval_ms",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.mux.ping_interval = std::chrono::milliseconds(parseCount(uri, k, v));
       }},
      {"max_frame_bytes",
       [](auto& uri, auto& k, auto& v, ClientConfig& c) {
         c.thrift.max_frame_bytes = parseCount(uri, k, v);
       }},
  };
  return table;
}

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

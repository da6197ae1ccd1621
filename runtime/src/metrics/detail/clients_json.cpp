// SPDX-License-Identifier: Apache-2.0
// Writes /admin.json from the clients' statuses.
#include "metrics/detail/clients_json.h"

#include <nlohmann/json.hpp>

namespace scales::metrics::detail {
namespace {
using nlohmann::json;

int64_t millis(WallTime t) {
  if (t == WallTime{}) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json histogramJson(const HistogramSnapshot& h) {
  json buckets = json::array();
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    if (h.buckets[i] != 0) {
      buckets.push_back(json::array({HistogramSnapshot::upperBoundMicros(i), h.buckets[i]}));
    }
  }
  return {{"count", h.count},
          {"sum_us", h.sum_micros},
          {"p50_us", h.percentileMicros(50)},
          {"p90_us", h.percentileMicros(90)},
          {"p99_us", h.percentileMicros(99)},
          {"p999_us", h.percentileMicros(99.9)},
          {"buckets", std::move(buckets)}};
}

json endpointJson(const EndpointStatus& e) {
  json reasons = json::array();
  for (const auto& reason : e.reasons)
    reasons.push_back({{"gate", reason.gate}, {"why", reason.why}});
  return {{"address", e.address},
          {"state", e.state},
          {"reasons", std::move(reasons)},
          {"available", e.available},
          {"load", e.load},
          {"ewma_ms", e.ewma_ms},
          {"connections", e.connections},
          {"connected", e.connected},
          {"connecting", e.connecting},
          {"pool_waiters", e.pool_waiters},
          {"last_error", e.last_error},
          {"last_error_ms", millis(e.last_error_at)},
          {"connect_error", e.connect_error},
          {"weight", e.weight},
          {"requests", e.requests},
          {"successes", e.successes},
          {"failures", e.failures},
          {"latency", histogramJson(e.latency)}};
}

json clientJson(const ClientStatus& c) {
  const auto& r = c.resolver;
  const auto& b = c.retry_budget;
  json endpoints = json::array();
  for (const auto& e : c.endpoints) endpoints.push_back(endpointJson(e));
  json states = json::object();
  for (const auto& [state, count] : c.endpoint_states) states[state] = count;
  return {{"id", c.id},
          {"name", c.name},
          {"uri", c.uri},
          {"balancer", c.balancer},
          {"error", c.error},
          {"panic", c.panic},
          {"live", c.live},
          {"aperture", c.aperture},
          {"warming", c.warming},
          {"resolver",
           {{"state", r.state},
            {"endpoints", r.endpoints},
            {"updates", r.updates},
            {"last_update_ms", millis(r.last_update)},
            {"last_good_update_ms", millis(r.last_good_update)},
            {"last_error", r.last_error},
            {"detail", r.detail}}},
          {"retry_budget",
           {{"available", b.available},
            {"percent_can_retry", b.percent_can_retry},
            {"min_retries_per_second", b.min_retries_per_second},
            {"ttl_ms", b.ttl_ms},
            {"shadow", b.shadow},
            {"calls", b.calls},
            {"requeues", b.requeues},
            {"retries", b.retries},
            {"backups", b.backups},
            {"exhausted", b.exhausted}}},
          {"latency", histogramJson(c.latency)},
          {"endpoints_total", c.endpoints_total},
          {"truncated", c.endpoints.size() < c.endpoints_total},
          {"endpoint_states", std::move(states)},
          {"endpoints", std::move(endpoints)}};
}

}  // namespace

std::string clientsJson(const std::vector<ClientStatus>& clients, WallTime now) {
  json list = json::array();
  for (const auto& client : clients) list.push_back(clientJson(client));
  json out = {{"now_ms", millis(now)}, {"clients", std::move(list)}};
  // Error texts come from peers and resolvers: bytes that are not UTF-8 are replaced rather than
  // failing the whole page.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace scales::metrics::detail

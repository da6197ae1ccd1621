// SPDX-License-Identifier: Apache-2.0
// The metrics registry, aggregation and the Prometheus and JSON exports.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "scales/metrics/export.h"
#include "scales/metrics/registry.h"

namespace scales::metrics {
namespace {
using namespace std::chrono_literals;

Labels at(const std::string& endpoint) { return {{"service", "echo"}, {"endpoint", endpoint}}; }

TEST(Metrics, HistogramPercentilesAreWithinABucket) {
  Histogram h;
  for (int i = 1; i <= 1000; ++i) h.recordMicros(i);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 1000);
  EXPECT_EQ(s.sum_micros, 500500);
  EXPECT_GE(s.percentileMicros(50), 500);
  EXPECT_LE(s.percentileMicros(50), 500 * 1.13);
  EXPECT_GE(s.percentileMicros(99.9), 999);
  EXPECT_LE(s.percentileMicros(99.9), 999 * 1.13);
  EXPECT_EQ(HistogramSnapshot{}.percentileMicros(50), 0);
}

TEST(Metrics, TheSameKeyIsTheSameMetric) {
  Registry registry;
  auto a = registry.counter("requests", at("h:1"));
  auto b = registry.counter("requests", at("h:1"));
  auto c = registry.counter("requests", at("h:2"));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Metrics, ForgottenEndpointsLiveOnAsRetiredSoTotalsNeverFall) {
  Registry registry;
  auto kept = registry.counter("requests", at("h:1"));
  kept->add(5);
  {
    auto gone = registry.counter("requests", at("h:2"));
    gone->add(7);
    auto latency = registry.histogram("latency_us", at("h:2"));
    latency->recordMicros(100);
    registry.gauge("pending", at("h:2"))->set(3);
  }
  auto snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.counters.size(), 2u);
  EXPECT_EQ(snapshot.counters[0].key.labels, at("h:1"));
  EXPECT_EQ(snapshot.counters[1].key.labels, at("retired"));
  EXPECT_EQ(snapshot.counters[1].value, 7);
  EXPECT_TRUE(snapshot.gauges.empty());  // a gauge of a gone endpoint means nothing
  ASSERT_EQ(snapshot.histograms.size(), 1u);
  EXPECT_EQ(snapshot.histograms[0].histogram.count, 1);
  auto service = aggregate(registry.snapshot());
  ASSERT_EQ(service.counters.size(), 1u);
  EXPECT_EQ(service.counters[0].value, 12);
}

TEST(Metrics, AggregationRollsEndpointsUpOrByASelector) {
  Registry registry;
  auto a = registry.counter("requests", at("h:1"));
  auto b = registry.counter("requests", at("h:2"));
  auto other = registry.counter("requests", {{"service", "kv"}, {"endpoint", "h:3"}});
  auto la = registry.histogram("latency_us", at("h:1"));
  auto lb = registry.histogram("latency_us", at("h:2"));
  a->add(2);
  b->add(3);
  other->add(4);
  la->recordMicros(10);
  lb->recordMicros(20);
  auto service = aggregate(registry.snapshot());
  ASSERT_EQ(service.counters.size(), 2u);
  EXPECT_EQ(service.counters[0].key.labels, (Labels{{"service", "echo"}}));
  EXPECT_EQ(service.counters[0].value, 5);
  EXPECT_EQ(service.counters[1].value, 4);
  ASSERT_EQ(service.histograms.size(), 1u);
  EXPECT_EQ(service.histograms[0].histogram.count, 2);

  // Everything into one total, and only the echo service.
  auto total = aggregate(registry.snapshot(), [](const Labels& labels) -> std::optional<Labels> {
    if (labels[0].second != "echo") return std::nullopt;
    return Labels{};
  });
  ASSERT_EQ(total.counters.size(), 1u);
  EXPECT_EQ(total.counters[0].value, 5);
}

TEST(Metrics, PrometheusTextFollowsTheExpositionFormat) {
  Registry registry;
  auto requests = registry.counter("requests", {{"service", "a\"b\\c\nd"}});
  auto pending = registry.gauge("pending", {{"service", "s"}});
  auto latency = registry.histogram("latency_us", {{"service", "s"}});
  requests->add(3);
  pending->set(2);
  latency->recordMicros(1);
  EXPECT_EQ(prometheusText(registry.snapshot()),
            "# TYPE scales_requests_total counter\n"
            "scales_requests_total{service=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# TYPE scales_pending gauge\n"
            "scales_pending{service=\"s\"} 2\n"
            "# TYPE scales_latency_us summary\n"
            "scales_latency_us{service=\"s\",quantile=\"0.5\"} 1.125\n"
            "scales_latency_us{service=\"s\",quantile=\"0.9\"} 1.125\n"
            "scales_latency_us{service=\"s\",quantile=\"0.99\"} 1.125\n"
            "scales_latency_us{service=\"s\",quantile=\"0.999\"} 1.125\n"
            "scales_latency_us_sum{service=\"s\"} 1\n"
            "scales_latency_us_count{service=\"s\"} 1\n");
}

TEST(Metrics, JsonCarriesValuesAndPercentiles) {
  Registry registry;
  auto requests = registry.counter("requests", at("h:1"));
  auto latency = registry.histogram("latency_us", at("h:1"));
  requests->add(9);
  for (int i = 0; i < 10; ++i) latency->recordMicros(100);
  auto json = nlohmann::json::parse(jsonText(registry.snapshot()));
  EXPECT_EQ(json["counters"][0]["name"], "requests");
  EXPECT_EQ(json["counters"][0]["labels"]["endpoint"], "h:1");
  EXPECT_EQ(json["counters"][0]["value"], 9);
  EXPECT_EQ(json["histograms"][0]["count"], 10);
  EXPECT_GE(json["histograms"][0]["p99_us"].get<double>(), 100);
  EXPECT_TRUE(json["gauges"].empty());
}

TEST(Metrics, AReporterHandsSnapshotsToTheApplication) {
  Registry registry;
  auto requests = registry.counter("requests", at("h:1"));
  requests->add(4);
  std::promise<int64_t> reported;
  bool once = false;
  {
    Reporter reporter(
        registry, 10ms,
        [&](const Snapshot& s) {
          if (once) return;
          once = true;
          reported.set_value(s.counters.at(0).value);
        },
        byService);
    auto future = reported.get_future();
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(future.get(), 4);
  }
}

}  // namespace
}  // namespace scales::metrics

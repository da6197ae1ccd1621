// SPDX-License-Identifier: Apache-2.0
#include "scales/client/config.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales {
namespace {
using namespace std::chrono_literals;

TEST(ClientConfig, DefaultsAreDocumentedValues) {
  ClientConfig c;
  EXPECT_EQ(c.timeout, 10s);
  EXPECT_EQ(c.connect_timeout, 1s);
  EXPECT_EQ(c.balancer, "aperture");
  EXPECT_EQ(c.thrift.protocol, thrift::Protocol::kBinary);
}

TEST(ClientConfig, UriOptionsOverrideConfig) {
  ClientConfig c;
  applyUriOptions(discovery::parseUri("tcp://h:1?timeout_ms=250&connect_timeout_ms=50&protocol="
                                      "compact&high_watermark=3&max_waiters=7&max_frame_bytes=99"),
                  c);
  EXPECT_EQ(c.timeout, 250ms);
  EXPECT_EQ(c.connect_timeout, 50ms);
  EXPECT_EQ(c.thrift.protocol, thrift::Protocol::kCompact);
  EXPECT_EQ(c.pool.high_watermark, 3u);
  EXPECT_EQ(c.pool.max_waiters, 7u);
  EXPECT_EQ(c.thrift.max_frame_bytes, 99u);
}

TEST(ClientConfig, BalancerPoolAndResilienceKnobsParseFromTheUri) {
  ClientConfig c;
  applyUriOptions(discovery::parseUri("tcp://h:1?balancer=p2c_ewma&idle_timeout_ms=7&"
                                      "aperture_high_load=3.5&instance_id=2&accrual_failures=9&"
                                      "retry_percent=0.1&max_concurrency=4&hash_field=user"),
                  c);
  EXPECT_EQ(c.balancer, "p2c_ewma");
  EXPECT_EQ(c.pool.idle_timeout, 7ms);
  EXPECT_EQ(c.balancer_options.aperture.high_load, 3.5);
  EXPECT_EQ(c.balancer_options.deterministic.instance_id, 2);
  EXPECT_EQ(c.failure_accrual.consecutive_failures, 9);
  EXPECT_EQ(c.retry_budget.percent_can_retry, 0.1);
  EXPECT_EQ(c.concurrency.max_concurrency, 4u);
  EXPECT_EQ(c.hash_field, "user");
  EXPECT_THROW(applyUriOptions(discovery::parseUri("tcp://h:1?retry_percent=-1"), c), ConfigError);
}

TEST(ClientConfig, RetryBackupBreakerHealthAndOutlierKnobsParseFromTheUri) {
  ClientConfig c;
  applyUriOptions(
      discovery::parseUri("tcp://h:1?max_retries=4&retry_backoff_ms=20&attempt_timeout_ms=80&"
                          "idempotent=get,list&backup_percentile=95&breaker_max_failures=3&"
                          "breaker_reset_timeout_ms=900&health_check=http&health_path=/ok&"
                          "health_interval_ms=250&outlier_interval_ms=1000&"
                          "outlier_latency_factor=4"),
      c);
  EXPECT_EQ(c.retry.max_retries, 4);
  EXPECT_EQ(c.retry.backoff_initial, 20ms);
  EXPECT_EQ(c.retry.attempt_timeout, 80ms);
  EXPECT_FALSE(c.retry.idempotent);
  EXPECT_EQ(c.methods.at("get").idempotent, true);
  EXPECT_EQ(c.methods.at("list").idempotent, true);
  EXPECT_EQ(c.backup.percentile, 95);
  EXPECT_EQ(c.breaker.max_failures, 3);
  EXPECT_EQ(c.breaker.reset_timeout, 900ms);
  EXPECT_EQ(c.health_check.probe, "http");
  EXPECT_EQ(c.health_check.http_path, "/ok");
  EXPECT_EQ(c.health_check.interval, 250ms);
  EXPECT_EQ(c.outliers.interval, 1000ms);
  EXPECT_EQ(c.outliers.latency_factor, 4);
  applyUriOptions(discovery::parseUri("tcp://h:1?idempotent=true"), c);
  EXPECT_TRUE(c.retry.idempotent);
  EXPECT_THROW(applyUriOptions(discovery::parseUri("tcp://h:1?health_check=icmp"), c), ConfigError);
}

TEST(ClientConfig, PipelinedIsAFlag) {
  ClientConfig c;
  EXPECT_FALSE(c.thrift.pipelined);
  applyUriOptions(discovery::parseUri("tcp://h:1?transport=framed&pipelined=true"), c);
  EXPECT_EQ(c.thrift.transport, thrift::Transport::kFramed);
  EXPECT_TRUE(c.thrift.pipelined);
  applyUriOptions(discovery::parseUri("tcp://h:1?pipelined=false"), c);
  EXPECT_FALSE(c.thrift.pipelined);
  try {
    applyUriOptions(discovery::parseUri("tcp://h:1?pipelined=yes"), c);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("pipelined='yes' is not true or false"), std::string::npos)
        << e.what();
  }
}

TEST(ClientConfig, UnknownOptionListsValidOnes) {
  ClientConfig c;
  try {
    applyUriOptions(discovery::parseUri("tcp://h:1?retries=3"), c);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("unknown option 'retries'"), std::string::npos);
    EXPECT_NE(what.find("balancer, breaker_max_failures"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace scales

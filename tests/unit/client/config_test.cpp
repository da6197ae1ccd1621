// SPDX-License-Identifier: Apache-2.0
// The stack's settings and each protocol's options, as a URI sets them (parseClientUri).
#include "scales/client/config.h"

#include <gtest/gtest.h>

#include <set>

#include "scales/client/uri_options.h"
#include "scales/core/errors.h"
#include "scales/http/client.h"
#include "scales/kafka/producer.h"
#include "scales/redis/client.h"
#include "scales/thrift/options.h"

namespace scales {
namespace {
using namespace std::chrono_literals;
using client::parseClientUri;
using thrift::ThriftOptions;

std::string errorOf(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ClientConfig, DefaultsAreDocumentedValues) {
  ClientConfig c;
  EXPECT_EQ(c.timeout, 10s);
  EXPECT_EQ(c.connect_timeout, 1s);
  EXPECT_EQ(c.balancer, "");  // the protocol's default
  EXPECT_EQ(c.pool_kind, "");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(ThriftOptions{}.protocol, thrift::Protocol::kBinary);
  EXPECT_EQ(ThriftOptions{}.transport, thrift::Transport::kMux);
}

TEST(ClientConfig, UriKeysGoToTheStackOrToTheProtocol) {
  auto setup = parseClientUri(
      "tcp://h:1?timeout_ms=250&connect_timeout_ms=50&protocol=compact&"
      "high_watermark=3&max_waiters=7&max_frame_bytes=99&hash_field=user",
      ClientConfig{}, ThriftOptions{});
  EXPECT_EQ(setup.uri.authority, "h:1");
  EXPECT_EQ(setup.config.timeout, 250ms);
  EXPECT_EQ(setup.config.connect_timeout, 50ms);
  EXPECT_EQ(setup.config.pool.high_watermark, 3u);
  EXPECT_EQ(setup.config.pool.max_waiters, 7u);
  EXPECT_EQ(setup.options.protocol, thrift::Protocol::kCompact);
  EXPECT_EQ(setup.options.max_frame_bytes, 99u);
  EXPECT_EQ(setup.options.hash_field, "user");
}

TEST(ClientConfig, UriValuesOverrideWhatTheCallerPassed) {
  ClientConfig config;
  config.timeout = 5s;
  config.retry.max_retries = 9;
  ThriftOptions options;
  options.transport = thrift::Transport::kFramed;
  auto setup = parseClientUri("tcp://h:1?timeout_ms=7", config, options);
  EXPECT_EQ(setup.config.timeout, 7ms);
  EXPECT_EQ(setup.config.retry.max_retries, 9);  // untouched by the URI
  EXPECT_EQ(setup.options.transport, thrift::Transport::kFramed);
}

TEST(ClientConfig, BalancerPoolAndResilienceKnobsParseFromTheUri) {
  auto c = parseClientUri(
               "tcp://h:1?balancer=p2c_ewma&idle_timeout_ms=7&pool=watermark&"
               "aperture_high_load=3.5&instance_id=2&accrual_failures=9&"
               "retry_percent=0.1&max_concurrency=4",
               ClientConfig{}, ThriftOptions{})
               .config;
  EXPECT_EQ(c.balancer, "p2c_ewma");
  EXPECT_EQ(c.pool_kind, "watermark");
  EXPECT_EQ(c.pool.idle_timeout, 7ms);
  EXPECT_EQ(c.balancer_options.aperture.high_load, 3.5);
  EXPECT_EQ(c.balancer_options.deterministic.instance_id, 2);
  EXPECT_EQ(c.failure_accrual.consecutive_failures, 9);
  EXPECT_EQ(c.retry_budget.percent_can_retry, 0.1);
  EXPECT_EQ(c.concurrency.max_concurrency, 4u);
  EXPECT_THROW(parseClientUri("tcp://h:1?retry_percent=-1", ClientConfig{}, ThriftOptions{}),
               ConfigError);
  EXPECT_THROW(parseClientUri("tcp://h:1?pool=lagoon", ClientConfig{}, ThriftOptions{}),
               ConfigError);
}

TEST(ClientConfig, RetryBackupBreakerHealthAndOutlierKnobsParseFromTheUri) {
  auto c = parseClientUri(
               "tcp://h:1?max_retries=4&retry_backoff_ms=20&attempt_timeout_ms=80&"
               "idempotent=get,list&backup_percentile=95&breaker_max_failures=3&"
               "breaker_reset_timeout_ms=900&health_check=http&health_path=/ok&"
               "health_interval_ms=250&outlier_interval_ms=1000&"
               "outlier_latency_factor=4",
               ClientConfig{}, ThriftOptions{})
               .config;
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
  EXPECT_TRUE(parseClientUri("tcp://h:1?idempotent=true", ClientConfig{}, ThriftOptions{})
                  .config.retry.idempotent);
  EXPECT_THROW(parseClientUri("tcp://h:1?health_check=icmp", ClientConfig{}, ThriftOptions{}),
               ConfigError);
}

TEST(ClientConfig, PipelinedIsAFlag) {
  auto options =
      parseClientUri("tcp://h:1?transport=framed&pipelined=true", ClientConfig{}, ThriftOptions{})
          .options;
  EXPECT_EQ(options.transport, thrift::Transport::kFramed);
  EXPECT_TRUE(options.pipelined);
  EXPECT_NO_THROW(options.validate());
  EXPECT_FALSE(parseClientUri("tcp://h:1?pipelined=false", ClientConfig{}, ThriftOptions{})
                   .options.pipelined);
  auto why =
      errorOf([] { parseClientUri("tcp://h:1?pipelined=yes", ClientConfig{}, ThriftOptions{}); });
  EXPECT_NE(why.find("pipelined='yes': not true or false"), std::string::npos) << why;
  ThriftOptions mux;
  mux.pipelined = true;
  EXPECT_THROW(mux.validate(), ConfigError);  // Mux multiplexes already
  // Parsing validates the protocol's options as they end up.
  auto pipelined_mux =
      errorOf([] { parseClientUri("tcp://h:1?pipelined=true", ClientConfig{}, ThriftOptions{}); });
  EXPECT_NE(pipelined_mux.find("pipelined=true is for transport=framed"), std::string::npos)
      << pipelined_mux;
}

TEST(ClientConfig, UnknownKeyListsTheKeysValidForThatProtocol) {
  auto thrift =
      errorOf([] { parseClientUri("tcp://h:1?retries=3", ClientConfig{}, ThriftOptions{}); });
  EXPECT_NE(thrift.find("unknown option 'retries' for a thrift client"), std::string::npos)
      << thrift;
  EXPECT_NE(thrift.find("hash_field, max_frame_bytes"), std::string::npos) << thrift;
  EXPECT_NE(thrift.find("balancer, breaker_max_failures"), std::string::npos) << thrift;
  // Thrift's keys are not HTTP's, Redis's or Kafka's: they fail loudly there.
  for (const char* key : {"protocol=compact", "transport=framed", "pipelined=true",
                          "ping_interval_ms=5", "hash_field=id", "max_frame_bytes=9"}) {
    std::string uri = std::string("tcp://h:1?") + key;
    auto http = errorOf([&] { parseClientUri(uri, ClientConfig{}, http::ClientOptions{}); });
    EXPECT_NE(http.find("for a http client"), std::string::npos) << key << ": " << http;
    EXPECT_NE(http.find("max_body_bytes, max_header_bytes, trace_headers (http)"),
              std::string::npos)
        << http;
    EXPECT_EQ(http.find("max_frame_bytes,"), std::string::npos) << http;
    EXPECT_THROW(parseClientUri(uri, ClientConfig{}, redis::ClientOptions{}), ConfigError) << key;
    EXPECT_THROW(parseClientUri(uri, ClientConfig{}, kafka::ProducerOptions{}), ConfigError) << key;
  }
}

TEST(ClientConfig, KeysASchemeReadsItselfAreLeftToItsResolver) {
  // consul:// reads dc, tag and passing from the query (discovery::resolverUriKeys).
  auto setup = parseClientUri("consul://h:8500/echo?dc=east&tag=v2&passing=false&timeout_ms=7",
                              ClientConfig{}, ThriftOptions{});
  EXPECT_EQ(setup.config.timeout, std::chrono::milliseconds(7));
  EXPECT_EQ(setup.uri.query.at("dc"), "east") << "kept in the URI for the resolver";
  // Another scheme does not own them.
  EXPECT_THROW(parseClientUri("tcp://h:1?dc=east", ClientConfig{}, ThriftOptions{}), ConfigError);
  EXPECT_THROW(parseClientUri("etcd://h:1/svc?tag=v2", ClientConfig{}, ThriftOptions{}),
               ConfigError);
}

TEST(ClientConfig, EachProtocolParsesItsOwnKeys) {
  auto redis = parseClientUri("tcp://h:1?db=2&resp=3&username=u&password=p&timeout_ms=9",
                              ClientConfig{}, redis::ClientOptions{});
  EXPECT_EQ(redis.options.database, 2);
  EXPECT_EQ(redis.options.protocol, 3);
  EXPECT_EQ(redis.options.username, "u");
  EXPECT_EQ(redis.options.password, "p");
  EXPECT_EQ(redis.config.timeout, 9ms);
  redis::ClientOptions resp4;
  resp4.protocol = 4;
  EXPECT_THROW(resp4.validate(), ConfigError);

  auto kafka = parseClientUri(
      "tcp://h:1?acks=-1&partitioner=key_hash&broker_timeout_ms=700&max_attempts=2&"
      "metadata_backoff_ms=30&client_id=me",
      ClientConfig{}, kafka::ProducerOptions{});
  EXPECT_EQ(kafka.options.acks, -1);
  EXPECT_EQ(kafka.options.partitioner, kafka::Partitioner::kKeyHash);
  EXPECT_EQ(kafka.options.broker_timeout, 700ms);
  EXPECT_EQ(kafka.options.max_attempts, 2);
  EXPECT_EQ(kafka.options.retry_backoff, 30ms);
  EXPECT_EQ(kafka.options.client_id, "me");
  auto acks =
      errorOf([] { parseClientUri("tcp://h:1?acks=2", ClientConfig{}, kafka::ProducerOptions{}); });
  EXPECT_NE(acks.find("acks='2': not -1, 0 or 1"), std::string::npos) << acks;

  auto http = parseClientUri("tcp://h:1?max_body_bytes=10&max_header_bytes=900", ClientConfig{},
                             http::ClientOptions{});
  EXPECT_EQ(http.options.max_body_bytes, 10u);
  EXPECT_EQ(http.options.max_header_bytes, 900u);
}

// A key known to two tables would be set in one and silently never reach the other.
TEST(ClientConfig, NoProtocolKeyShadowsAStackKey) {
  auto stack = client::stackKeys().list();
  std::set<std::string> taken(stack.begin(), stack.end());
  for (const auto& keys :
       {ThriftOptions::uriKeys().list(), http::ClientOptions::uriKeys().list(),
        redis::ClientOptions::uriKeys().list(), kafka::ProducerOptions::uriKeys().list()}) {
    for (const auto& key : keys) EXPECT_EQ(taken.count(key), 0u) << key;
  }
}

TEST(ClientConfig, ValidateChecksEverySettingAtOnce) {
  ClientConfig c;
  c.breaker.max_failures = -1;
  EXPECT_THROW(c.validate(), ConfigError);
  c = ClientConfig{};
  c.health_check.probe = "telepathy";
  EXPECT_THROW(c.validate(), ConfigError);
  c = ClientConfig{};
  c.balancer = "psychic";
  EXPECT_THROW(c.validate(), ConfigError);
  c = ClientConfig{};
  c.pool.low_watermark = 5;
  c.pool.high_watermark = 2;
  EXPECT_THROW(c.validate(), ConfigError);
  c = ClientConfig{};
  c.backup.percentile = 100;
  EXPECT_THROW(c.validate(), ConfigError);
  c = ClientConfig{};
  c.layers.insertBefore("nonesuch", "mine", [](auto next, auto&) { return next; });
  EXPECT_THROW(c.validate(), ConfigError);
}

}  // namespace
}  // namespace scales

// SPDX-License-Identifier: Apache-2.0
// consul:// without a network: the URI's validation, the health query it sends, parsing Consul's
// health answer (addresses, weights, hostile entries), the X-Consul-Index rules, and the
// announcer's refusals (all at construction, before any request).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "discovery/consul_api.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "scales/server/announcer.h"

namespace scales::discovery::consul {
namespace {
using namespace std::chrono_literals;

Target target(const std::string& text) { return parseTarget(parseUri(text)); }

// The ConfigError's message, or "" when there was none.
std::string refusal(const std::string& text) {
  try {
    target(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ConsulUri, ReadsAgentsServiceAndFilters) {
  auto t = target("consul://127.0.0.1:8500,[::1]:8501/web.api?dc=east-1&tag=v2&passing=false");
  ASSERT_EQ(t.agents.size(), 2u);
  EXPECT_EQ(t.agents[1].host, "::1");
  EXPECT_EQ(t.agents[1].port, 8501);
  EXPECT_EQ(t.service, "web.api");
  EXPECT_EQ(t.dc, "east-1");
  EXPECT_EQ(t.tag, "v2");
  EXPECT_FALSE(t.passing);
  EXPECT_TRUE(target("consul://h:1/s").passing) << "passing instances only, by default";
  EXPECT_TRUE(target("consul://h:1/s?passing=1").passing);
  // Client options in the same query are the client's business, not refused here.
  EXPECT_NO_THROW(target("consul://h:1/s?balancer=round_robin"));
}

TEST(ConsulUri, RefusalsNameTheBadPart) {
  EXPECT_NE(refusal("consul://h:8500").find("missing the service name"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/").find("missing the service name"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/a/b").find("'/a/b'"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s?passing=maybe").find("passing 'maybe'"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s?dc=").find("dc ''"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s?dc=a/b").find("dc 'a/b'"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s?tag=").find("tag ''"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/we b").find("service name 'we b'"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s!http").find("service name 's!http'"), std::string::npos);
  EXPECT_NE(refusal("consul://h:8500/s#http").find("no named endpoints"), std::string::npos);
  EXPECT_NE(refusal("consul://h/s").find("missing ':port'"), std::string::npos);
  EXPECT_NE(refusal("consul:///s").find("at least one host:port"), std::string::npos);
}

TEST(ConsulUri, TheResolverRefusesAtConstruction) {
  boost::asio::io_context io;
  EXPECT_THROW(makeResolver(parseUri("consul://127.0.0.1:8500/a/b"), io.get_executor()),
               ConfigError);
  EXPECT_NO_THROW(makeResolver(parseUri("consul://127.0.0.1:8500/a"), io.get_executor()));
}

TEST(ConsulQuery, BlockingOnlyWithAnIndexAndEscaped) {
  auto t = target("consul://h:1/web?tag=a=b%&dc=dc2");
  EXPECT_EQ(healthQuery(t, 0, 30s), "/v1/health/service/web?dc=dc2&tag=a%3Db%25&passing=1");
  EXPECT_EQ(healthQuery(t, 42, 30s),
            "/v1/health/service/web?index=42&wait=30000ms&dc=dc2&tag=a%3Db%25&passing=1");
  EXPECT_EQ(healthQuery(target("consul://h:1/web?passing=false"), 0, 1s), "/v1/health/service/web");
}

TEST(ConsulIndex, ConsulsBlockingQueryRules) {
  EXPECT_EQ(nextIndex(0, 7), 7u);
  EXPECT_EQ(nextIndex(7, 7), 7u) << "unchanged: block on it again";
  EXPECT_EQ(nextIndex(7, 9), 9u);
  EXPECT_EQ(nextIndex(9, 3), 0u) << "backwards: restart the loop";
  EXPECT_EQ(nextIndex(0, 0), 1u) << "zero would never block";
  EXPECT_EQ(nextIndex(7, 0), 1u) << "zero is clamped, not taken as going backwards";
  EXPECT_EQ(parseIndex("123"), 123u);
  EXPECT_EQ(parseIndex(""), std::nullopt);
  EXPECT_EQ(parseIndex("12a"), std::nullopt);
  EXPECT_EQ(parseIndex("-1"), std::nullopt);
  EXPECT_EQ(parseIndex("99999999999999999999999"), std::nullopt);
}

std::string entry(const std::string& service, const std::string& node_address = "10.0.0.9",
                  const std::string& status = "passing") {
  return R"({"Node":{"Node":"n1","Address":")" + node_address + R"("},"Service":)" + service +
         R"(,"Checks":[{"CheckID":"serfHealth","Status":"passing"},{"CheckID":"c","Status":")" +
         status + R"("}]})";
}

TEST(ConsulHealth, AddressesPortsAndWeights) {
  auto health = parseHealth(
      "[" + entry(R"({"ID":"a","Address":"10.0.0.1","Port":9090,"Weights":{"Passing":5}})") + "," +
          entry(R"({"ID":"b","Address":"","Port":9091})") + "," +
          entry(R"({"ID":"c","Port":9092,"Weights":null})") + "]",
      true);
  EXPECT_EQ(health.instances, 3u);
  EXPECT_EQ(health.problems, "");
  EXPECT_EQ(health.endpoints,
            (std::vector<Endpoint>{
                {"10.0.0.1", 9090, 5.0}, {"10.0.0.9", 9091, 1.0}, {"10.0.0.9", 9092, 1.0}}));
}

TEST(ConsulHealth, BadEntriesAreLeftOutAndNamed) {
  auto health = parseHealth(
      "[" + entry(R"({"ID":"zero","Address":"h","Port":0})") + "," +
          entry(R"({"ID":"big","Address":"h","Port":70000})") + "," +
          entry(R"({"ID":"text","Address":"h","Port":"80"})") + "," +
          entry(R"({"ID":"noaddr","Port":80})", "") + "," +
          entry(R"({"ID":"space","Address":"a b","Port":80})") + "," +
          entry(R"({"ID":"w0","Address":"h","Port":80,"Weights":{"Passing":0}})") + "," +
          R"({"Node":{}},42,)" + entry(R"({"ID":"ok","Address":"h","Port":80})") + "]",
      true);
  EXPECT_EQ(health.endpoints, (std::vector<Endpoint>{{"h", 80}}));
  for (const char* named :
       {"'zero'", "'big'", "'text'", "'noaddr'", "'space'", "'w0'", "entry 6", "entry 7"}) {
    EXPECT_NE(health.problems.find(named), std::string::npos) << named << ": " << health.problems;
  }
}

TEST(ConsulHealth, NotPassingIsLeftOutOnlyWhenAskedFor) {
  std::string answer = "[" + entry(R"({"ID":"a","Address":"h","Port":1})", "n", "critical") + "," +
                       entry(R"({"ID":"b","Address":"h","Port":2})", "n", "warning") + "]";
  EXPECT_TRUE(parseHealth(answer, true).endpoints.empty());
  EXPECT_EQ(parseHealth(answer, false).endpoints.size(), 2u);
}

TEST(ConsulHealth, OneEndpointPerAddress) {
  auto health = parseHealth("[" + entry(R"({"ID":"a","Address":"h","Port":1})") + "," +
                                entry(R"({"ID":"b","Address":"h","Port":1})") + "]",
                            true);
  EXPECT_EQ(health.endpoints.size(), 1u);
}

TEST(ConsulHealth, MalformedAnswersThrowNamingWhy) {
  auto why = [](const std::string& text) {
    try {
      parseHealth(text, true);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(why("[{\"Service\":").find("malformed JSON"), std::string::npos);
  EXPECT_NE(why("").find("malformed JSON"), std::string::npos);
  EXPECT_NE(why("{\"a\":1}").find("not a JSON array"), std::string::npos);
  EXPECT_NE(why(std::string(100000, '[') + std::string(100000, ']')).find("nested deeper"),
            std::string::npos);
  // Brackets inside strings are not nesting.
  EXPECT_EQ(
      why("[" + entry(R"({"ID":")" + std::string(100, '[') + R"(\"","Address":"h","Port":1})") +
          "]"),
      "");
}

TEST(ConsulAnnouncerConfig, RefusesWhatConsulCannotHold) {
  server::AnnouncerOptions extra;
  extra.additional_endpoints["http"] = {"127.0.0.1", 8080};
  EXPECT_THROW(server::Announcer("consul://127.0.0.1:1/s", {"127.0.0.1", 9090}, extra),
               ConfigError);
  server::AnnouncerOptions weightless;
  weightless.weight = 0;
  EXPECT_THROW(server::Announcer("consul://127.0.0.1:1/s", {"127.0.0.1", 9090}, weightless),
               ConfigError);
  server::AnnouncerOptions hasty;
  hasty.session_timeout = 500ms;
  EXPECT_THROW(server::Announcer("consul://127.0.0.1:1/s", {"127.0.0.1", 9090}, hasty),
               ConfigError);
  EXPECT_THROW(server::Announcer("consul://127.0.0.1:1,127.0.0.1:2/s", {"127.0.0.1", 9090}),
               ConfigError);
  EXPECT_THROW(server::Announcer("consul://127.0.0.1:1/a/b", {"127.0.0.1", 9090}), ConfigError);
  // A query is the clients' (options, filters): the announcer takes the same URI and ignores it.
  EXPECT_NO_THROW(server::Announcer("consul://127.0.0.1:1/s?tag=x&timeout_ms=5",
                                    {"127.0.0.1", 9090},
                                    {.session_timeout = std::chrono::seconds(1)}));
}

}  // namespace
}  // namespace scales::discovery::consul

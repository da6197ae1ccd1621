// SPDX-License-Identifier: Apache-2.0
// dns://, dns+srv:// and inet:// discovery against a real DNS server (dnsmasq) on 127.0.0.1 and
// Flaky servers on loopback addresses (127.0.0.2 and 127.0.0.3 are loopback too).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "Flaky.scales.h"
#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"
#include "support/dns_server.h"
#include "support/flaky_handler.h"
#include "support/traffic.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

server::ServerOptions on(const std::string& host, uint16_t port = 0) {
  server::ServerOptions options;
  options.host = host;
  options.port = port;
  return options;
}

// Runs one resolver until its first update.
discovery::ResolverUpdate resolveOnce(const std::string& uri, const std::string& dns_servers) {
  boost::asio::io_context io;
  discovery::ResolverOptions options;
  options.dns_servers = dns_servers;
  auto resolver = discovery::makeResolver(discovery::parseUri(uri), io.get_executor(), options);
  std::optional<discovery::ResolverUpdate> first;
  resolver->start([&](const discovery::ResolverUpdate& update) {
    if (!first) first = update;
    io.stop();
  });
  io.run_for(10s);
  resolver->stop();
  if (!first) throw std::runtime_error("no update from " + uri);
  return *first;
}

TEST(DnsDiscovery, FollowsARecordsAsTheyChange) {
  FlakyServer a("a", on("127.0.0.2"));
  uint16_t port = a.server.port();
  FlakyServer b("b", on("127.0.0.3", port));
  DnsServer dns({"host-record=svc.test,127.0.0.2"});
  auto client = flaky::FlakyClient::make("dns://svc.test:" + std::to_string(port) +
                                         "?dns_servers=" + dns.address() +
                                         "&dns_min_refresh_ms=100&balancer=round_robin");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "a");

  dns.serve({"host-record=svc.test,127.0.0.3"});  // TTL 1 s: seen within about a second
  EXPECT_TRUE(settlesOn(client, {"b"}));

  dns.serve({"host-record=svc.test,127.0.0.2", "host-record=svc.test,127.0.0.3"});
  EXPECT_TRUE(reaches(client, "a"));
  EXPECT_TRUE(reaches(client, "b"));
}

TEST(DnsDiscovery, SrvRecordsCarryPortPriorityAndWeight) {
  DnsServer dns({"host-record=a.test,127.0.0.1", "host-record=b.test,127.0.0.2",
                 "srv-host=_flaky._tcp.test,a.test,1111,0,10",
                 "srv-host=_flaky._tcp.test,b.test,2222,1,5"});
  auto update = resolveOnce("dns+srv://_flaky._tcp.test", dns.address());
  ASSERT_EQ(update.error, "");
  ASSERT_EQ(update.endpoints.size(), 2u);
  EXPECT_EQ(update.endpoints[0], (discovery::Endpoint{"127.0.0.1", 1111, 10.0, 0}));
  EXPECT_EQ(update.endpoints[1], (discovery::Endpoint{"127.0.0.2", 2222, 5.0, 1}));
}

TEST(DnsDiscovery, SrvPriorityDecidesWhereCallsGo) {
  FlakyServer a("a"), b("b");
  auto records = [&](int priority_a, int priority_b) {
    return std::vector<std::string>{
        "host-record=a.test,127.0.0.1", "host-record=b.test,127.0.0.1",
        "srv-host=_flaky._tcp.test,a.test," + std::to_string(a.server.port()) + "," +
            std::to_string(priority_a) + ",1",
        "srv-host=_flaky._tcp.test,b.test," + std::to_string(b.server.port()) + "," +
            std::to_string(priority_b) + ",1"};
  };
  DnsServer dns(records(0, 1));
  auto client = flaky::FlakyClient::make("dns+srv://_flaky._tcp.test?dns_servers=" + dns.address() +
                                         "&dns_min_refresh_ms=100&balancer=priority_weighted");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(client.read("k", 0), "a");
  dns.serve(records(2, 1));
  EXPECT_TRUE(settlesOn(client, {"b"}));
}

TEST(DnsDiscovery, UnknownNamesAreErrorsThatNameThem) {
  DnsServer dns({"host-record=a.test,127.0.0.1"});
  auto update = resolveOnce("dns://missing.test:9090", dns.address());
  EXPECT_NE(update.error.find("looking up dns://missing.test: Domain name not found"),
            std::string::npos)
      << update.error;
  auto client = flaky::FlakyClient::make("dns://missing.test:9090?dns_servers=" + dns.address());
  try {
    client.read("k", 0);
    ADD_FAILURE() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("dns://missing.test"), std::string::npos) << e.what();
  }
  // A name with addresses but no SRV records: an empty set, and it says so.
  auto srv = resolveOnce("dns+srv://a.test", dns.address());
  EXPECT_EQ(srv.error, "");
  EXPECT_TRUE(srv.endpoints.empty());
  EXPECT_EQ(srv.detail, "dns+srv://a.test: no SRV records");
}

TEST(DnsDiscovery, BadUrisAreNamed) {
  boost::asio::io_context io;
  auto error = [&io](const std::string& text) -> std::string {
    try {
      discovery::makeResolver(discovery::parseUri(text), io.get_executor());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error("dns://name").find("missing ':port'"), std::string::npos);
  EXPECT_NE(error("dns://a:1,b:2").find("one name:port"), std::string::npos);
  EXPECT_NE(error("dns+srv://_x._tcp.test:53").find("no port"), std::string::npos);
  EXPECT_NE(error("dns+srv://_x._tcp.test/path").find("takes no path"), std::string::npos);
  EXPECT_NE(error("inet://a:1,b:2").find("one host:port"), std::string::npos);
  discovery::ResolverOptions options;
  options.dns_servers = "not an address";
  auto update = std::make_shared<std::string>();
  auto resolver =
      discovery::makeResolver(discovery::parseUri("dns://x.test:1"), io.get_executor(), options);
  resolver->start([update](const discovery::ResolverUpdate& u) { *update = u.error; });
  io.run_for(2s);
  EXPECT_NE(update->find("bad DNS servers 'not an address'"), std::string::npos) << *update;
}

TEST(InetDiscovery, ResolvesLocalhostOnce) {
  FlakyServer a("a");
  auto update = resolveOnce("inet://localhost:" + std::to_string(a.server.port()), "");
  ASSERT_EQ(update.error, "");
  EXPECT_NE(std::find(update.endpoints.begin(), update.endpoints.end(),
                      discovery::Endpoint{"127.0.0.1", a.server.port()}),
            update.endpoints.end());
  auto client = flaky::FlakyClient::make("inet://localhost:" + std::to_string(a.server.port()));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.read("k", 0), "a");
}

}  // namespace
}  // namespace scales::testing

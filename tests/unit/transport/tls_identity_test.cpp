// SPDX-License-Identifier: Apache-2.0
// What a peer identity matches (allowlists, pinning), TLS option checks, and telling a TLS
// ClientHello from Mux and framed Thrift frames.
#include <gtest/gtest.h>

#include "scales/client/uri_options.h"
#include "scales/core/errors.h"
#include "scales/http/client.h"
#include "scales/transport/tls.h"
#include "transport/tls_context.h"

namespace scales::transport {
namespace {

PeerIdentity billing() {
  PeerIdentity id;
  id.subject = "CN=billing,O=example";
  id.common_name = "billing";
  id.dns = {"billing.prod.example"};
  id.ips = {"10.0.0.7"};
  id.uris = {"spiffe://prod.example/billing/api"};
  return id;
}

TEST(PeerIdentity, MatchesEachSanAndTheCommonNameExactly) {
  auto id = billing();
  EXPECT_TRUE(id.matches("spiffe://prod.example/billing/api"));
  EXPECT_TRUE(id.matches("billing.prod.example"));
  EXPECT_TRUE(id.matches("10.0.0.7"));
  EXPECT_TRUE(id.matches("CN=billing"));
  EXPECT_FALSE(id.matches("billing"));  // a bare name is no CN pattern
  EXPECT_FALSE(id.matches("spiffe://prod.example/billing"));
  EXPECT_FALSE(id.matches("spiffe://prod.example/billing/api/admin"));
  EXPECT_FALSE(id.matches(""));
}

TEST(PeerIdentity, ATrailingStarMatchesAPrefix) {
  auto id = billing();
  EXPECT_TRUE(id.matches("spiffe://prod.example/billing/*"));
  EXPECT_TRUE(id.matches("spiffe://prod.example/*"));
  EXPECT_FALSE(id.matches("spiffe://staging.example/*"));
  EXPECT_TRUE(id.matchesAny({"spiffe://staging.example/*", "CN=billing"}));
  EXPECT_FALSE(id.matchesAny({}));
}

TEST(PeerIdentity, NamesItselfByItsMostSpecificName) {
  auto id = billing();
  EXPECT_EQ(id.name(), "spiffe://prod.example/billing/api");
  id.uris.clear();
  EXPECT_EQ(id.name(), "billing.prod.example");
  id.dns.clear();
  EXPECT_EQ(id.name(), "10.0.0.7");
  id.ips.clear();
  EXPECT_EQ(id.name(), "CN=billing,O=example");
}

TEST(TlsOptions, ContradictionsAreConfigErrors) {
  TlsClientOptions client;
  client.cert = "client.crt";
  EXPECT_THROW(client.validate(), ConfigError);  // a certificate without its key
  client.key = "client.key";
  EXPECT_NO_THROW(client.validate());
  client.handshake_timeout = Duration::zero();
  EXPECT_THROW(client.validate(), ConfigError);
  client.handshake_timeout = std::chrono::seconds(1);
  client.peer_identities = {"spiffe://x/y"};
  EXPECT_NO_THROW(client.validate());
  client.verify = false;  // a pin on a certificate nobody checked proves nothing
  EXPECT_THROW(client.validate(), ConfigError);

  TlsServerOptions server;
  server.client_ca = "ca.crt";
  EXPECT_THROW(server.validate(), ConfigError);  // mTLS without a certificate
  server.cert = "server.crt";
  server.key = "server.key";
  EXPECT_NO_THROW(server.validate());
  server.allowed_peers_by_method = {{"admin", {}}};
  EXPECT_THROW(server.validate(), ConfigError);  // an empty list must not mean everyone
  server.allowed_peers_by_method.clear();
  server.client_ca.clear();
  server.allowed_peers = {"spiffe://x/y"};
  EXPECT_THROW(server.validate(), ConfigError);  // nobody presents a certificate to match
}

TEST(TlsOptions, UriKeysSetTheClientsTls) {
  ClientConfig config;
  auto setup = client::parseClientUri(
      "tcp://h:1?tls=true&tls_ca=/ca.pem&tls_cert=/c.pem&tls_key=/k.pem&tls_server_name=svc"
      "&tls_verify=false&tls_peer=spiffe://a/b,CN=c&tls_handshake_timeout_ms=250",
      config, http::ClientOptions{});
  const auto& tls = setup.config.tls;
  EXPECT_TRUE(tls.enabled);
  EXPECT_EQ(tls.ca, "/ca.pem");
  EXPECT_EQ(tls.cert, "/c.pem");
  EXPECT_EQ(tls.key, "/k.pem");
  EXPECT_EQ(tls.server_name, "svc");
  EXPECT_FALSE(tls.verify);
  EXPECT_EQ(tls.peer_identities, (std::vector<std::string>{"spiffe://a/b", "CN=c"}));
  EXPECT_EQ(tls.handshake_timeout, std::chrono::milliseconds(250));
  EXPECT_THROW(client::parseClientUri("tcp://h:1?tls=maybe", config, http::ClientOptions{}),
               ConfigError);
}

TEST(TlsSniff, AClientHelloIsNoFrame) {
  // A TLS 1.2/1.3 ClientHello record opens 16 03 01 (or 03 03).
  EXPECT_TRUE(looksLikeTls(std::string("\x16\x03\x01\x02\x00\x01\x00\x01", 8)));
  EXPECT_TRUE(looksLikeTls(std::string("\x16\x03\x03\x00\x50", 5)));
  // A Mux Tinit check (size, then type 0x80 Rerr marker) and a framed Thrift call.
  EXPECT_FALSE(looksLikeTls(std::string("\x00\x00\x00\x0f\x80\x00\x00\x01", 8)));
  EXPECT_FALSE(looksLikeTls(std::string("\x00\x00\x00\x20\x80\x01\x00\x01", 8)));
  // SSLv2-era or garbage
  EXPECT_FALSE(looksLikeTls(std::string("\x16\x02\x00", 3)));
  EXPECT_FALSE(looksLikeTls(std::string("\x16\x03", 2)));
}

}  // namespace
}  // namespace scales::transport

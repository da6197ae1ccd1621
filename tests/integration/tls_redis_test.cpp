// SPDX-License-Identifier: Apache-2.0
// scales::redis::Client over TLS against a real redis-server on 127.0.0.1 (its TLS port only):
// commands and pipelining over TLS, client certificates when the server requires them, and
// servers the client must not trust.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/use_future.hpp>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "scales/core/errors.h"
#include "scales/metrics/registry.h"
#include "scales/redis/client.h"
#include "support/redis_server.h"
#include "support/test_certs.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

class TlsRedis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = std::make_unique<TestCerts>(); }
  static void TearDownTestSuite() { certs_.reset(); }
  static const TestCerts& certs() { return *certs_; }

  // redis-server on a TLS port with the server certificate; clients' certificates are checked
  // against the CA, and required when `auth_clients`.
  static std::unique_ptr<RedisServer> tlsRedis(bool auth_clients) {
    return std::make_unique<RedisServer>(
        std::vector<std::string>{},
        RedisTls{certs().server().cert, certs().server().key, certs().ca(), auth_clients});
  }

  static std::string uriOf(const RedisServer& server, const std::string& ca,
                           const std::string& more = "") {
    return "tcp://" + server.address() + "?tls=true&tls_ca=" + ca + more;
  }

  static std::string clientCert() {
    return "&tls_cert=" + certs().client().cert + "&tls_key=" + certs().client().key;
  }

 private:
  static std::unique_ptr<TestCerts> certs_;
};

std::unique_ptr<TestCerts> TlsRedis::certs_;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// How a PING ends: "ok", or the error's type and message.
std::string pingOutcome(redis::Client& client) {
  try {
    client.ping();
    return "ok";
  } catch (const ConnectFailedError& e) {
    return std::string("ConnectFailedError: ") + e.what();
  } catch (const ConnectionError& e) {
    return std::string("ConnectionError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
}

TEST_F(TlsRedis, CommandsAndPipelinesOverTls) {
  auto server = tlsRedis(false);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = redis::Client::make(uriOf(*server, certs().ca()), config);
  EXPECT_EQ(client->ping(), "PONG");
  EXPECT_EQ(client->get("k"), std::nullopt);
  client->set("k", std::string("v\0\r\n binary", 11));
  EXPECT_EQ(client->get("k"), std::string("v\0\r\n binary", 11));
  EXPECT_EQ(client->incrBy("n", 42), 42);

  // A value over many TLS records.
  std::string big(3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>(i);
  client->set("big", big);
  EXPECT_EQ(client->get("big"), big);

  // Pipelined commands, each answered in order over the one TLS connection.
  std::vector<std::future<void>> sets;
  for (int i = 0; i < 1000; ++i) {
    sets.push_back(client->set("key-" + std::to_string(i), std::to_string(i), asio::use_future));
  }
  for (auto& set : sets) set.get();
  std::vector<std::future<std::optional<std::string>>> gets;
  for (int i = 0; i < 1000; ++i)
    gets.push_back(client->get("key-" + std::to_string(i), asio::use_future));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(gets[i].get(), std::to_string(i)) << i;

  // The server saw one TLS connection: the client's.
  auto clients = client->command({"CLIENT", "LIST"});
  EXPECT_EQ(std::count(clients.string.begin(), clients.string.end(), '\n'), 1) << clients.string;
  EXPECT_EQ(handshakes(registry, "ok"), 1);
}

TEST_F(TlsRedis, ServerRequiringClientCertificates) {
  auto server = tlsRedis(true);
  auto with_cert = redis::Client::make(uriOf(*server, certs().ca(), clientCert()));
  with_cert->set("who", "client");
  EXPECT_EQ(with_cert->get("who"), "client");

  auto without = redis::Client::make(uriOf(*server, certs().ca(), "&timeout_ms=10000"));
  auto start = Clock::now();
  auto outcome = pingOutcome(*without);
  // TLS 1.3: the client's handshake completes before the server has checked its (missing)
  // certificate, so the refusal (an alert) arrives as the first read fails: a ConnectionError.
  EXPECT_TRUE(contains(outcome, "ConnectionError: " + server->address())) << outcome;
  EXPECT_TRUE(contains(outcome, "certificate required")) << outcome;
  EXPECT_LT(Clock::now() - start, 5s) << outcome;

  // The server still serves the client that has one.
  EXPECT_EQ(with_cert->get("who"), "client");
}

TEST_F(TlsRedis, ServerCertificateFromAnUntrustedCaIsRefused) {
  auto server = tlsRedis(false);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = redis::Client::make(uriOf(*server, certs().otherCa(), "&max_requeues=0"), config);
  auto outcome = pingOutcome(*client);
  EXPECT_TRUE(contains(outcome, "ConnectFailedError: certificate verify failed")) << outcome;
  EXPECT_TRUE(contains(outcome, server->address())) << outcome;
  EXPECT_GE(handshakes(registry, "verify_failed"), 1);
  EXPECT_EQ(handshakes(registry, "ok"), 0);
}

TEST_F(TlsRedis, PlaintextClientOnTheTlsPortFailsFast) {
  auto server = tlsRedis(false);
  auto plain = redis::Client::make("tcp://" + server->address() + "?timeout_ms=10000");
  auto start = Clock::now();
  auto outcome = pingOutcome(*plain);
  // redis-server's TLS reads the command as a bad record and drops the connection.
  EXPECT_TRUE(contains(outcome, "ConnectionError: " + server->address())) << outcome;
  EXPECT_LT(Clock::now() - start, 5s) << outcome;
}

}  // namespace
}  // namespace scales::testing

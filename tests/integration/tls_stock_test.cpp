// SPDX-License-Identifier: Apache-2.0
// TLS against stock Apache Thrift (its own processes, TSSLServerSocket / TSSLSocket with
// TFramedTransport): the scales client against a stock TLS server, and stock TLS and plaintext
// clients against the scales server's TLS-only, mixed and mutual-TLS ports.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/exercise.h"
#include "integration/interop_handler.h"
#include "support/child_process.h"
#include "support/test_certs.h"

namespace scales::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A stock TSSLServerSocket server with the server certificate; `extra` adds e.g. the client CA.
struct StockTlsServer {
  explicit StockTlsServer(const CertFiles& identity, const std::vector<std::string>& extra = {})
      : process(argv(identity, extra)) {
    auto line = process.readLine(std::chrono::seconds(20));
    if (line && line->rfind("PORT ", 0) == 0) port = line->substr(5);
  }
  static std::vector<std::string> argv(const CertFiles& identity,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> args{STOCK_SERVER,  "binary",    "--tls-cert",
                                  identity.cert, "--tls-key", identity.key};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  ChildProcess process;
  std::string port;  // empty: the server did not start
};

std::string tlsUri(const std::string& port, const std::string& stack) {
  return "tcp://127.0.0.1:" + port + "?transport=framed&tls=true&" + stack;
}

// One run of the stock client to its end: its exit status (nullopt: it hung) and output.
struct StockRun {
  std::optional<int> status;
  std::string output;
  Clock::duration took{};
  bool passed() const { return status == 0 && output.find("OK ") != std::string::npos; }
};

StockRun runStockClient(ChildProcess& client) {
  auto start = Clock::now();
  StockRun run;
  run.status = client.wait(std::chrono::seconds(60));
  run.took = Clock::now() - start;
  run.output = client.readAll(std::chrono::seconds(1));
  return run;
}

std::vector<std::string> stockClientArgs(uint16_t port, const std::vector<std::string>& flags) {
  std::vector<std::string> args{STOCK_CLIENT, std::to_string(port), "binary"};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}

// The server counts a failed handshake once the handshake's completion runs, which may be just
// after the stock client has read the alert it sent and exited: no event orders the two, so this
// polls the counter, for at most 5 s.
bool eventually(const std::function<bool()>& done) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

server::ServerOptions tlsServerOptions(const TestCerts& certs, bool allow_plaintext) {
  server::ServerOptions options;
  options.tls.cert = certs.server().cert;
  options.tls.key = certs.server().key;
  options.tls.allow_plaintext = allow_plaintext;
  return options;
}

// --- scales client -> stock TSSLServerSocket server ---

TEST(TlsStock, ScalesClientCallsStockTlsServer) {
  TestCerts certs;
  StockTlsServer server(certs.server());
  ASSERT_FALSE(server.port.empty()) << "stock TLS server did not start";
  auto client = interop::InteropServiceClient::make(tlsUri(server.port, "tls_ca=" + certs.ca()));
  exerciseEveryCall(client, ApplicationError::Type::kUnknown);
}

// The scales client verifies the stock server's chain: one signed by a CA it was not given is
// refused before any call is sent.
TEST(TlsStock, ScalesClientRefusesStockServerFromOtherCa) {
  TestCerts certs;
  StockTlsServer server(certs.foreign());
  ASSERT_FALSE(server.port.empty()) << "stock TLS server did not start";
  auto client = interop::InteropServiceClient::make(
      tlsUri(server.port, "tls_ca=" + certs.ca() + "&max_requeues=0&connect_timeout_ms=2000"));
  // ConnectFailedError: the handshake failed, so the call never left this process.
  EXPECT_THROW(client.ping(), ConnectFailedError);
}

TEST(TlsStock, StockServerRequiringClientCertAcceptsScalesClientWithOne) {
  TestCerts certs;
  StockTlsServer server(certs.server(), {"--tls-ca", certs.ca(), "--require-client-cert"});
  ASSERT_FALSE(server.port.empty()) << "stock TLS server did not start";
  auto client = interop::InteropServiceClient::make(
      tlsUri(server.port, "tls_ca=" + certs.ca() + "&tls_cert=" + certs.client().cert +
                              "&tls_key=" + certs.client().key));
  exerciseEveryCall(client, ApplicationError::Type::kUnknown);
}

TEST(TlsStock, StockServerRequiringClientCertRefusesScalesClientWithout) {
  TestCerts certs;
  StockTlsServer server(certs.server(), {"--tls-ca", certs.ca(), "--require-client-cert"});
  ASSERT_FALSE(server.port.empty()) << "stock TLS server did not start";
  auto client = interop::InteropServiceClient::make(
      tlsUri(server.port, "tls_ca=" + certs.ca() + "&max_requeues=0&connect_timeout_ms=2000"));
  auto start = Clock::now();
  // The handshake completes on the client's side (TLS 1.3) before the server checks the client's
  // certificate: the call fails on its reply, with the server's alert (or a reset).
  EXPECT_THROW(client.ping(), ConnectionError);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

// --- stock TSSLSocket client -> scales ThriftServer with TLS ---

TEST(TlsStock, StockTlsClientCallsTlsOnlyScalesServer) {
  TestCerts certs;
  InteropServer server(tlsServerOptions(certs, /*allow_plaintext=*/false));
  ChildProcess client(stockClientArgs(server.server->port(), {"--tls-ca", certs.ca()}));
  StockRun run = runStockClient(client);
  ASSERT_TRUE(run.status.has_value()) << "stock client hung; output:\n" << run.output;
  EXPECT_TRUE(run.passed()) << run.output;
  server.server->stop();  // joins the server's threads: its counters are final
  auto stats = server.server->stats();
  EXPECT_EQ(stats.tls_handshakes, 1u);
  EXPECT_EQ(stats.tls_handshake_failures, 0u);
  EXPECT_EQ(stats.downgraded_connects, 1u);  // framed Thrift, recognised inside TLS
  EXPECT_EQ(stats.plaintext_refused, 0u);
}

// allow_plaintext: one port serves a stock plaintext client, then a stock TLS client. (One after
// the other: each checks that its two oneway record() calls moved the handler's shared count by
// exactly two.)
TEST(TlsStock, MixedScalesServerServesStockPlaintextAndTlsClientsOnOnePort) {
  TestCerts certs;
  InteropServer server(tlsServerOptions(certs, /*allow_plaintext=*/true));
  ChildProcess plain(stockClientArgs(server.server->port(), {}));
  StockRun plain_run = runStockClient(plain);
  ASSERT_TRUE(plain_run.status.has_value()) << "plaintext client hung:\n" << plain_run.output;
  EXPECT_TRUE(plain_run.passed()) << plain_run.output;
  ChildProcess secure(stockClientArgs(server.server->port(), {"--tls-ca", certs.ca()}));
  StockRun secure_run = runStockClient(secure);
  ASSERT_TRUE(secure_run.status.has_value()) << "TLS client hung:\n" << secure_run.output;
  EXPECT_TRUE(secure_run.passed()) << secure_run.output;
  server.server->stop();
  auto stats = server.server->stats();
  EXPECT_EQ(stats.downgraded_connects, 2u);
  EXPECT_EQ(stats.tls_handshakes, 1u);  // the plaintext one was served without
  EXPECT_EQ(stats.plaintext_refused, 0u);
}

TEST(TlsStock, MutualTlsScalesServerAcceptsStockClientWithCert) {
  TestCerts certs;
  auto options = tlsServerOptions(certs, /*allow_plaintext=*/false);
  options.tls.client_ca = certs.ca();
  InteropServer server(options);
  ChildProcess client(stockClientArgs(server.server->port(),
                                      {"--tls-ca", certs.ca(), "--tls-cert", certs.client().cert,
                                       "--tls-key", certs.client().key}));
  StockRun run = runStockClient(client);
  ASSERT_TRUE(run.status.has_value()) << "stock client hung; output:\n" << run.output;
  EXPECT_TRUE(run.passed()) << run.output;
  server.server->stop();
  EXPECT_EQ(server.server->stats().tls_handshakes, 1u);
  EXPECT_EQ(server.server->stats().tls_handshake_failures, 0u);
}

TEST(TlsStock, MutualTlsScalesServerRefusesStockClientWithoutCert) {
  TestCerts certs;
  auto options = tlsServerOptions(certs, /*allow_plaintext=*/false);
  options.tls.client_ca = certs.ca();
  InteropServer server(options);
  ChildProcess client(stockClientArgs(server.server->port(), {"--tls-ca", certs.ca()}));
  StockRun run = runStockClient(client);
  ASSERT_TRUE(run.status.has_value()) << "stock client hung; output:\n" << run.output;
  EXPECT_EQ(*run.status, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL: exception"), std::string::npos) << run.output;
  EXPECT_LT(run.took, std::chrono::seconds(5)) << "refused only by the client's recv timeout";
  EXPECT_EQ(server.handler->calls.load(), 0);
  // Not after stop(): it abandons a connection still in its handshake, uncounted.
  EXPECT_TRUE(eventually([&] { return server.server->stats().tls_handshake_failures == 1; }))
      << server.server->stats().tls_handshake_failures;
  auto stats = server.server->stats();
  EXPECT_EQ(stats.tls_handshakes, 0u);
  EXPECT_EQ(stats.connects, 0u);
}

// A plaintext stock client to a TLS-only port is closed on its first bytes, not left to time
// out (the stock client would give up after its 10 s receive timeout).
TEST(TlsStock, PlaintextStockClientToTlsOnlyScalesServerFailsFast) {
  TestCerts certs;
  InteropServer server(tlsServerOptions(certs, /*allow_plaintext=*/false));
  ChildProcess client(stockClientArgs(server.server->port(), {}));
  StockRun run = runStockClient(client);
  ASSERT_TRUE(run.status.has_value()) << "stock client hung; output:\n" << run.output;
  EXPECT_EQ(*run.status, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL: exception"), std::string::npos) << run.output;
  EXPECT_LT(run.took, std::chrono::seconds(5)) << "refused only by the client's recv timeout";
  EXPECT_EQ(server.handler->calls.load(), 0);
  server.server->stop();
  auto stats = server.server->stats();
  EXPECT_EQ(stats.plaintext_refused, 1u);
  EXPECT_EQ(stats.connects, 0u);
  EXPECT_EQ(stats.tls_handshakes, 0u);
}

}  // namespace
}  // namespace scales::testing

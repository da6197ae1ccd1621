// SPDX-License-Identifier: Apache-2.0
// TLS between the scales ThriftMux client and server, with certificates made by openssl for the
// test: Finagle's opportunistic TLS (all 9 pairs of the negotiation matrix), TLS from the first
// byte, mutual TLS, the caller's identity in handlers, allowlists, pinning, handshake limits,
// session resumption and certificate rotation under load.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "Echo.scales.h"
#include "scales/core/errors.h"
#include "scales/core/log.h"
#include "scales/mux/frame.h"
#include "scales/server/call_deadline.h"
#include "scales/server/thrift_server.h"
#include "support/test_certs.h"

namespace scales::testing {
namespace {
using namespace std::chrono_literals;

// Answers with who the caller's certificate names, or "anonymous" without one.
struct WhoAmI : echo::EchoHandler {
  std::string echo(const std::string&) override {
    auto peer = server::peerIdentity();
    return peer ? peer->name() : "anonymous";
  }
  int32_t hold(int32_t id) override { return id; }
};

class TlsMux : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = new TestCerts(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static const TestCerts& certs() { return *certs_; }

  // A server with the test's certificate; `client_ca` makes client certificates required.
  static server::ServerOptions tlsServer(bool allow_plaintext, bool client_ca = true) {
    server::ServerOptions options;
    options.tls.cert = certs().server().cert;
    options.tls.key = certs().server().key;
    if (client_ca) options.tls.client_ca = certs().ca();
    options.tls.allow_plaintext = allow_plaintext;
    return options;
  }

  static std::unique_ptr<server::ThriftServer> serve(server::ServerOptions options = {}) {
    auto s = std::make_unique<server::ThriftServer>(
        std::make_shared<echo::EchoDispatcher>(std::make_shared<WhoAmI>()), std::move(options));
    s->start();
    return s;
  }

  // The client's TLS settings as URI keys: the CA and the client certificate.
  static std::string clientTls(const CertFiles& client) {
    return "tls_ca=" + certs().ca() + "&tls_cert=" + client.cert + "&tls_key=" + client.key;
  }

  static std::string uri(const server::ThriftServer& s, const std::string& query) {
    return "tcp://127.0.0.1:" + std::to_string(s.port()) + "?timeout_ms=5000&" + query;
  }

  // The call's answer, or the error's text prefixed with "error: ".
  static std::string ask(const server::ThriftServer& s, const std::string& query,
                         ClientConfig config = {}) {
    try {
      auto client = echo::EchoClient::make(uri(s, query), std::move(config));
      return client.echo("who am I?");
    } catch (const std::exception& e) {
      return std::string("error: ") + e.what();
    }
  }

  static inline TestCerts* certs_ = nullptr;
};

// ---- Finagle's opportunistic TLS: the 9 pairs of client and server levels ----

struct MatrixCase {
  const char* client;   // opportunistic_tls
  const char* server;   // off: no TLS; desired: TLS and plaintext; required: TLS only
  const char* outcome;  // "tls", "plaintext", or the error expected
};

class TlsMuxMatrix : public TlsMux, public ::testing::WithParamInterface<MatrixCase> {};

TEST_P(TlsMuxMatrix, NegotiatesAsFinagleDoes) {
  const auto& c = GetParam();
  std::string server(c.server);
  auto s = server == "off" ? serve() : serve(tlsServer(server == "desired"));
  std::string answer =
      ask(*s, "opportunistic_tls=" + std::string(c.client) + "&" + clientTls(certs().client()));
  std::string outcome(c.outcome);
  if (outcome == "tls") {
    EXPECT_EQ(answer, "spiffe://scales.test/client");
    EXPECT_EQ(s->stats().tls_handshakes, 1u);
  } else if (outcome == "plaintext") {
    EXPECT_EQ(answer, "anonymous");
    EXPECT_EQ(s->stats().tls_handshakes, 0u);
  } else {
    EXPECT_NE(answer.find(outcome), std::string::npos) << answer;
    EXPECT_EQ(s->stats().tls_handshakes, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllNinePairs, TlsMuxMatrix,
                         ::testing::Values(MatrixCase{"off", "off", "plaintext"},
                                           MatrixCase{"off", "desired", "plaintext"},
                                           MatrixCase{"off", "required", "requires TLS"},
                                           MatrixCase{"desired", "off", "plaintext"},
                                           MatrixCase{"desired", "desired", "tls"},
                                           MatrixCase{"desired", "required", "tls"},
                                           MatrixCase{"required", "off", "does not offer TLS"},
                                           MatrixCase{"required", "desired", "tls"},
                                           MatrixCase{"required", "required", "tls"}),
                         [](const auto& pair) {
                           return std::string(pair.param.client) + "_client_" + pair.param.server +
                                  "_server";
                         });

// ---- TLS from the first byte ----

TEST_F(TlsMux, TlsFromTheFirstByteCarriesMuxAndTheCallerIdentity) {
  auto s = serve(tlsServer(false));
  EXPECT_EQ(ask(*s, "tls=true&" + clientTls(certs().client())), "spiffe://scales.test/client");
  // Framed Thrift over TLS on the same port.
  EXPECT_EQ(ask(*s, "transport=framed&tls=true&" + clientTls(certs().client())),
            "spiffe://scales.test/client");
  EXPECT_EQ(s->stats().tls_handshakes, 2u);
}

TEST_F(TlsMux, PlaintextAndTlsShareAPortWhenAllowed) {
  auto s = serve(tlsServer(true));
  EXPECT_EQ(ask(*s, ""), "anonymous");
  EXPECT_EQ(ask(*s, "transport=framed"), "anonymous");
  EXPECT_EQ(ask(*s, "tls=true&" + clientTls(certs().client())), "spiffe://scales.test/client");
}

TEST_F(TlsMux, APlaintextClientOfATlsOnlyServerFailsFast) {
  auto s = serve(tlsServer(false));
  auto started = std::chrono::steady_clock::now();
  std::string framed = ask(*s, "transport=framed");
  std::string mux = ask(*s, "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);  // not the 5 s timeouts
  EXPECT_EQ(framed.rfind("error: ", 0), 0u) << framed;
  EXPECT_NE(mux.find("requires TLS"), std::string::npos) << mux;
  EXPECT_GE(s->stats().plaintext_refused, 1u);
}

TEST_F(TlsMux, PlaintextCallsRefusedByATlsOnlyServerHoldNoSlot) {
  auto options = tlsServer(false);
  options.max_pending_calls = 2;
  auto s = serve(options);
  // A Mux peer that never negotiates sends calls in plaintext, more than the server would admit.
  for (int i = 0; i < 5; ++i) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket raw(io);
    raw.connect({boost::asio::ip::make_address("127.0.0.1"), s->port()});
    std::string call;
    mux::encode(mux::Tdispatch{2, {}, "", {}, "not even thrift"}, call);
    boost::asio::write(raw, boost::asio::buffer(call));
    std::string answer(64, '\0');
    boost::system::error_code ec;
    size_t n = boost::asio::read(raw, boost::asio::buffer(answer), ec);  // until the close
    EXPECT_NE(answer.substr(0, n).find("server requires TLS"), std::string::npos);
  }
  EXPECT_EQ(s->stats().plaintext_refused, 5u);
  // Were their slots kept, this call would be refused as "server overloaded".
  EXPECT_EQ(ask(*s, "tls=true&" + clientTls(certs().client())), "spiffe://scales.test/client");
}

// ---- verification and mutual TLS ----

// The server's count of failed handshakes, once it has one (or after 5 s). Under TLS 1.3 the
// client may hear the server's alert before the server's handshake handler has counted its
// failure (seen in CI, in both tests below): the count is awaited, bounded.
uint64_t awaitHandshakeFailures(const server::ThriftServer& server) {
  auto give_up = Clock::now() + 5s;
  while (server.stats().tls_handshake_failures == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);  // the server's counter: no event to await from here
  }
  return server.stats().tls_handshake_failures;
}

TEST_F(TlsMux, MutualTlsRefusesAClientWithoutACertificate) {
  auto s = serve(tlsServer(false));
  std::string answer = ask(*s, "tls=true&tls_ca=" + certs().ca());
  EXPECT_EQ(answer.rfind("error: ", 0), 0u) << answer;
  EXPECT_NE(answer.find("certificate required"), std::string::npos) << answer;
  EXPECT_GE(awaitHandshakeFailures(*s), 1u);
}

TEST_F(TlsMux, MutualTlsRefusesACertificateFromAnotherCa) {
  auto s = serve(tlsServer(false));
  auto intruder =
      certs().issue("foreign-client", "URI:spiffe://scales.test/client", 2, /*by_other_ca=*/true);
  std::string answer = ask(*s, "tls=true&" + clientTls(intruder));
  EXPECT_EQ(answer.rfind("error: ", 0), 0u) << answer;
  EXPECT_GE(awaitHandshakeFailures(*s), 1u);
}

TEST_F(TlsMux, TheClientSaysWhyItRefusedTheServer) {
  auto expired = serve([] {
    auto o = tlsServer(false, false);
    o.tls.cert = certs().expired().cert;
    o.tls.key = certs().expired().key;
    return o;
  }());
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  std::string answer = ask(*expired, "tls=true&tls_ca=" + certs().ca(), config);
  EXPECT_NE(answer.find("certificate verify failed: certificate has expired (127.0.0.1:"),
            std::string::npos)
      << answer;
  EXPECT_EQ(handshakes(registry, "verify_failed"), 1);

  auto foreign = serve([] {
    auto o = tlsServer(false, false);
    o.tls.cert = certs().foreign().cert;
    o.tls.key = certs().foreign().key;
    return o;
  }());
  answer = ask(*foreign, "tls=true&tls_ca=" + certs().ca());
  EXPECT_NE(answer.find("certificate verify failed: unable to get local issuer certificate"),
            std::string::npos)
      << answer;

  auto wrong_name = serve([] {
    auto o = tlsServer(false, false);
    o.tls.cert = certs().wrongSan().cert;
    o.tls.key = certs().wrongSan().key;
    return o;
  }());
  answer = ask(*wrong_name, "tls=true&tls_ca=" + certs().ca());
  EXPECT_NE(answer.find("IP address mismatch"), std::string::npos) << answer;
  // Checked against the name the client was told to expect instead.
  EXPECT_EQ(ask(*wrong_name, "tls=true&tls_server_name=elsewhere.example&tls_ca=" + certs().ca()),
            "anonymous");  // verified; no client certificate, so no identity
  // And not checked at all when verification is off (for throwaway test servers only).
  EXPECT_EQ(ask(*wrong_name, "tls=true&tls_verify=false"), "anonymous");
}

TEST_F(TlsMux, AClientCanPinTheServerIdentity) {
  auto s = serve(tlsServer(false));
  EXPECT_EQ(ask(*s, "tls=true&tls_peer=spiffe://scales.test/server&" + clientTls(certs().client())),
            "spiffe://scales.test/client");
  std::string answer =
      ask(*s, "tls=true&tls_peer=spiffe://scales.test/billing&" + clientTls(certs().client()));
  EXPECT_NE(answer.find("server identity spiffe://scales.test/server is not the one expected"),
            std::string::npos)
      << answer;
}

TEST_F(TlsMux, AHandshakeThatNeverAnswersTimesOut) {
  // A listening socket that never accepts: TCP connects (the kernel's backlog), TLS never starts.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto started = std::chrono::steady_clock::now();
  std::string answer;
  try {
    auto client = echo::EchoClient::make(
        "tcp://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
        "?tls=true&tls_ca=" + certs().ca() + "&tls_handshake_timeout_ms=200&timeout_ms=10000" +
        "&connect_timeout_ms=5000");
    client.echo("x");
  } catch (const std::exception& e) {
    answer = e.what();
  }
  EXPECT_NE(answer.find("timed out"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// ---- identity and authorization ----

TEST_F(TlsMux, TheAllowlistRefusesOthersBeforeAnyHandlerRuns) {
  auto options = tlsServer(false);
  options.tls.allowed_peers = {"spiffe://scales.test/client", "spiffe://scales.test/ops/*"};
  options.tls.allowed_peers_by_method = {{"hold", {"spiffe://scales.test/ops/*"}}};
  auto s = serve(options);
  const auto& issuer = certs();
  auto intruder = issuer.issue("intruder", "URI:spiffe://scales.test/intruder");
  auto ops = issuer.issue("ops", "URI:spiffe://scales.test/ops/alice");

  EXPECT_EQ(ask(*s, "tls=true&" + clientTls(certs().client())), "spiffe://scales.test/client");
  EXPECT_EQ(ask(*s, "tls=true&" + clientTls(ops)), "spiffe://scales.test/ops/alice");
  std::string refused = ask(*s, "tls=true&" + clientTls(intruder));
  EXPECT_NE(refused.find("peer identity spiffe://scales.test/intruder is not allowed to call echo"),
            std::string::npos)
      << refused;

  // Per method: hold() is for ops only.
  auto client = echo::EchoClient::make(uri(*s, "tls=true&" + clientTls(certs().client())));
  try {
    client.hold(7);
    ADD_FAILURE() << "hold() ran for a peer not allowed to call it";
  } catch (const ApplicationError& e) {
    EXPECT_NE(std::string(e.what()).find("not allowed to call hold"), std::string::npos)
        << e.what();
  }
  auto admin = echo::EchoClient::make(uri(*s, "tls=true&" + clientTls(ops)));
  EXPECT_EQ(admin.hold(7), 7);
  EXPECT_EQ(s->stats().peers_refused, 2u);
}

TEST_F(TlsMux, AnEmptyMethodAllowlistIsAConfigErrorNotEveryone) {
  server::ServerOptions options = tlsServer(false);
  options.tls.allowed_peers_by_method = {{"hold", {}}};
  server::ThriftServer s(std::make_shared<echo::EchoDispatcher>(std::make_shared<WhoAmI>()),
                         options);
  EXPECT_THROW(s.start(), ConfigError);
}

TEST_F(TlsMux, AnAllowlistWithoutAClientCaIsAConfigError) {
  server::ServerOptions options = tlsServer(false, false);
  options.tls.allowed_peers = {"spiffe://scales.test/client"};
  server::ThriftServer s(std::make_shared<echo::EchoDispatcher>(std::make_shared<WhoAmI>()),
                         options);
  EXPECT_THROW(s.start(), ConfigError);
}

TEST_F(TlsMux, MissingOrMismatchedFilesAreConfigErrors) {
  auto options = tlsServer(false);
  options.tls.key = certs().client().key;  // not the certificate's key
  server::ThriftServer s(std::make_shared<echo::EchoDispatcher>(std::make_shared<WhoAmI>()),
                         options);
  EXPECT_THROW(s.start(), ConfigError);
  EXPECT_THROW(echo::EchoClient::make("tcp://127.0.0.1:1?tls=true&tls_ca=/no/such/file.pem"),
               ConfigError);
  EXPECT_THROW(echo::EchoClient::make("tcp://127.0.0.1:1?tls=true&tls_cert=" +
                                      certs().client().cert),  // without its key
               ConfigError);
  EXPECT_THROW(echo::EchoClient::make("tcp://127.0.0.1:1?opportunistic_tls=sometimes"),
               ConfigError);
  // A pinned identity on a certificate nobody checked would prove nothing.
  EXPECT_THROW(echo::EchoClient::make("tcp://127.0.0.1:1?tls=true&tls_verify=false"
                                      "&tls_peer=spiffe://scales.test/server"),
               ConfigError);
}

// ---- health checks ----

TEST_F(TlsMux, HealthProbesSpeakTlsAsTheCallsDo) {
  auto s = serve(tlsServer(false));
  auto client = echo::EchoClient::make(
      uri(*s, "tls=true&health_check=mux&health_interval_ms=20&health_timeout_ms=1000&" +
                  clientTls(certs().client())));
  EXPECT_EQ(client.echo("before"), "spiffe://scales.test/client");
  // Each probe is a TLS connection of its own: wait for a few to have come and gone.
  for (int i = 0; i < 500 && s->stats().tls_handshakes < 6; ++i) {
    std::this_thread::sleep_for(10ms);  // polling the server's counter
  }
  EXPECT_GE(s->stats().tls_handshakes, 6u);
  EXPECT_EQ(s->stats().tls_handshake_failures, 0u);
  // Three failed probes would have taken the only endpoint out.
  EXPECT_EQ(client.echo("after"), "spiffe://scales.test/client");
}

// ---- session resumption ----

TEST_F(TlsMux, ANewConnectionResumesTheSessionOfAnEarlierOne) {
  auto s = serve(tlsServer(false));
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  // Framed Thrift with no idle connection kept: every call opens a connection of its own, one
  // after the other. (Concurrent new connections did not reliably resume: CI saw 3 full
  // handshakes and 1 resumed, then 3 and 0.)
  auto client = echo::EchoClient::make(
      uri(*s, "transport=framed&low_watermark=0&idle_timeout_ms=0&tls=true&" +
                  clientTls(certs().client())),
      config);
  EXPECT_EQ(client.echo("first"), "spiffe://scales.test/client");  // the session ticket arrives
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.echo("more"), "spiffe://scales.test/client");
  // The first connection's handshake was full; the later ones resumed a session. None failed.
  EXPECT_GE(handshakes(registry, "ok"), 1);
  EXPECT_GE(handshakes(registry, "resumed"), 2);
  EXPECT_EQ(handshakes(registry, "error") + handshakes(registry, "closed") +
                handshakes(registry, "verify_failed") + handshakes(registry, "timeout"),
            0);
}

// ---- rotation ----

// Replaces `to` by `from` in one rename, as a certificate manager does.
void replaceFile(const std::string& from, const std::string& to) {
  std::string staged = to + ".staged";
  std::filesystem::copy_file(from, staged, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(staged, to);
}

TEST_F(TlsMux, RotatedServerCertificatesServeNewConnectionsWithoutFailingACall) {
  const auto& issuer = certs();
  auto rotated = issuer.issue("rotated", "IP:127.0.0.1,URI:spiffe://scales.test/server-v2");
  // The server reads its own copies, which the test replaces.
  std::string cert = (issuer.dir() / "live.crt").string();
  std::string key = (issuer.dir() / "live.key").string();
  replaceFile(certs().server().cert, cert);
  replaceFile(certs().server().key, key);
  auto options = tlsServer(false);
  options.tls.cert = cert;
  options.tls.key = key;
  auto s = serve(options);

  std::mutex log_mutex;
  std::vector<std::string> logged;
  setLogSink([&](std::string_view line) {
    std::lock_guard lock(log_mutex);
    logged.emplace_back(line);
  });

  // Load on an established connection throughout.
  auto steady = echo::EchoClient::make(uri(*s, "tls=true&" + clientTls(certs().client())));
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::thread load([&] {
    for (int i = 0; i < 100000 && !stop; ++i) {
      try {
        steady.echo("steady");
        ++calls;
      } catch (const std::exception&) {
        ++failures;
      }
    }
  });

  // A broken certificate: the old material stays, and the reason is logged.
  { std::ofstream(cert + ".broken") << "-----BEGIN CERTIFICATE-----\nnot base64\n"; }
  std::filesystem::rename(cert + ".broken", cert);
  std::string pinned_v1 =
      "tls=true&tls_peer=spiffe://scales.test/server&" + clientTls(certs().client());
  bool kept_and_logged = false;
  for (int i = 0; i < 100 && !kept_and_logged; ++i) {  // the files are checked once a second
    EXPECT_EQ(ask(*s, pinned_v1), "spiffe://scales.test/client");
    std::lock_guard lock(log_mutex);
    for (const auto& line : logged) {
      if (line.find("did not load, keeping the previous one") != std::string::npos) {
        kept_and_logged = true;
      }
    }
    if (!kept_and_logged) std::this_thread::sleep_for(50ms);  // polling a 1 s check interval
  }
  EXPECT_TRUE(kept_and_logged);

  // The new certificate and key: new connections get them.
  replaceFile(rotated.key, key);
  replaceFile(rotated.cert, cert);
  std::string pinned_v2 =
      "tls=true&tls_peer=spiffe://scales.test/server-v2&" + clientTls(certs().client());
  bool rotated_seen = false;
  for (int i = 0; i < 100 && !rotated_seen; ++i) {
    rotated_seen = ask(*s, pinned_v2) == "spiffe://scales.test/client";
    if (!rotated_seen) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(rotated_seen);

  stop = true;
  load.join();
  setLogSink(nullptr);
  EXPECT_GT(calls.load(), 0);
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace scales::testing

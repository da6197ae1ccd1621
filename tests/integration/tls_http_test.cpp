// SPDX-License-Identifier: Apache-2.0
// scales::http::Client over TLS against a real nginx on 127.0.0.1 serving certificates made by
// the openssl command line: verification of chain, name and validity, identity pinning, mutual
// TLS as nginx sees it, kept-alive TLS connections, handshake failures that end fast, and the
// handshakes counted by outcome.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scales/core/errors.h"
#include "scales/http/client.h"
#include "scales/metrics/registry.h"
#include "support/fault_peer.h"
#include "support/http_peer.h"
#include "support/nginx_server.h"
#include "support/test_certs.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

class TlsHttp : public ::testing::Test {
 protected:
  // One set of certificates for the suite: making them costs a dozen openssl runs.
  static void SetUpTestSuite() { certs_ = std::make_unique<TestCerts>(); }
  static void TearDownTestSuite() { certs_.reset(); }
  static const TestCerts& certs() { return *certs_; }

  // nginx serving HTTPS with `server` (and asking clients for certificates signed by
  // `client_ca`, if set).
  static std::unique_ptr<NginxServer> https(const CertFiles& server,
                                            const std::string& client_ca = "") {
    return std::make_unique<NginxServer>(1, NginxTls{server.cert, server.key, client_ca});
  }

  // A TLS client URI for `nginx` trusting `ca`, with more query keys in `more` ("&k=v...").
  static std::string uriOf(const NginxServer& nginx, const std::string& ca,
                           const std::string& more = "") {
    return "tcp://" + nginx.addresses() + "?tls=true&tls_ca=" + ca + more;
  }
  // As uriOf, for calls expected to fail connecting: not requeued, so the caller gets the
  // ConnectFailedError itself (requeued, the only endpoint is marked dead by the failure and
  // the call ends in an UnavailableError quoting it).
  static std::string failingUriOf(const NginxServer& nginx, const std::string& ca,
                                  const std::string& more = "") {
    return uriOf(nginx, ca, "&max_requeues=0" + more);
  }

 private:
  static std::unique_ptr<TestCerts> certs_;
};

std::unique_ptr<TestCerts> TlsHttp::certs_;

// The message of the ConnectFailedError a GET ends with, or a description of what happened
// instead (which fails the caller's expectation on the message).
std::string connectFailure(http::Client& client, const std::string& target = "/who") {
  try {
    auto reply = client.get(target);
    ADD_FAILURE() << "GET " << target << " succeeded: " << reply.status << " " << reply.body;
    return "(succeeded)";
  } catch (const ConnectFailedError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "GET " << target << " failed, but not with a ConnectFailedError: " << e.what();
    return std::string("(other error) ") + e.what();
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(TlsHttp, GetsPostsAndStreamsOverTls) {
  auto nginx = https(certs().server());
  auto client = http::Client::make(uriOf(*nginx, certs().ca()));
  auto reply = client->get("/who");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "server-0");
  EXPECT_EQ(reply.header("X-Server"), "0");
  // nginx saw a TLS connection without a client certificate.
  EXPECT_EQ(client->get("/whoami").body, "NONE ");

  // Bodies larger than a TLS record, both ways, and a chunked one.
  std::string body(1 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  auto echoed = client->post("/echo", body, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(echoed.status, 200);
  EXPECT_TRUE(echoed.body == body) << "echoed " << echoed.body.size() << " bytes";
  nginx->writeStatic("big.bin", body + body + body);
  auto large = client->get("/static/big.bin");
  EXPECT_EQ(large.status, 200);
  EXPECT_TRUE(large.body == body + body + body) << "got " << large.body.size() << " bytes";
  EXPECT_EQ(client->get("/chunked").body, "part-1\npart-2\npart-3\n");
}

TEST_F(TlsHttp, KeepsOneTlsConnectionForManyCalls) {
  auto nginx = https(certs().server());
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = http::Client::make(uriOf(*nginx, certs().ca()), config);
  auto first = client->get("/conn").body;
  ASSERT_FALSE(first.empty());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client->get("/conn").body, first) << "request " << i;
  // 51 calls, one connection, one handshake.
  EXPECT_EQ(handshakes(registry, "ok"), 1);
  EXPECT_EQ(handshakes(registry, "verify_failed"), 0);
}

TEST_F(TlsHttp, ConcurrentCallsOpenConnectionsThatAllHandshake) {
  auto nginx = https(certs().server());
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = http::Client::make(uriOf(*nginx, certs().ca()), config);
  std::vector<std::future<http::Response>> replies;
  for (int i = 0; i < 64; ++i) replies.push_back(client->get("/conn", asio::use_future));
  std::set<std::string> connections;
  for (auto& reply : replies) connections.insert(reply.get().body);
  // One handshake per connection the calls went over, none failed. A connection opened after
  // the first handshake finished may resume its session, so both outcomes count.
  EXPECT_GE(handshakes(registry, "ok"), 1);
  EXPECT_GE(handshakes(registry, "ok") + handshakes(registry, "resumed"),
            static_cast<int64_t>(connections.size()));
  EXPECT_EQ(handshakes(registry, "error") + handshakes(registry, "closed") +
                handshakes(registry, "verify_failed") + handshakes(registry, "timeout"),
            0);
}

// The session a connection received outlives it: a connection closed by the server (without a
// close_notify from us) must not make OpenSSL mark the cached session unresumable.
TEST_F(TlsHttp, ReconnectsResumeTheTlsSession) {
  for (const char* version : {"TLSv1.2", "TLSv1.3"}) {
    SCOPED_TRACE(version);
    NginxServer nginx(1, NginxTls{certs().server().cert, certs().server().key, "", version});
    metrics::Registry registry;
    ClientConfig config;
    config.metrics = &registry;
    auto client = http::Client::make(uriOf(nginx, certs().ca()), config);
    auto first = client->get("/conn").body;
    EXPECT_EQ(client->get("/reused").body, ".") << "the first handshake is a full one";
    EXPECT_EQ(client->get("/close").body, "closing");
    // nginx closed that connection; the next one resumes the session the first one received.
    EXPECT_NE(client->get("/conn").body, first);
    EXPECT_EQ(client->get("/reused").body, "r");
    EXPECT_EQ(handshakes(registry, "ok"), 1);
    EXPECT_EQ(handshakes(registry, "resumed"), 1);
  }
}

TEST_F(TlsHttp, ServerSignedByAnUntrustedCaIsRefused) {
  auto nginx = https(certs().server());
  auto client = http::Client::make(failingUriOf(*nginx, certs().otherCa()));
  auto error = connectFailure(*client);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
  EXPECT_TRUE(contains(error, nginx->address(0))) << error;

  // Requeued as usual, the call ends when the failure has marked the only endpoint dead, and
  // says why.
  auto requeuing = http::Client::make(uriOf(*nginx, certs().otherCa()));
  try {
    requeuing->get("/who");
    ADD_FAILURE() << "GET succeeded";
  } catch (const UnavailableError& e) {
    EXPECT_TRUE(contains(e.what(), "certificate verify failed")) << e.what();
  }

  // The same names, signed by the other CA, against a client trusting the CA.
  auto foreign = https(certs().foreign());
  auto trusting = http::Client::make(failingUriOf(*foreign, certs().ca()));
  error = connectFailure(*trusting);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
}

TEST_F(TlsHttp, ServerCertificateForAnotherNameIsRefusedUnlessVerificationIsOff) {
  auto nginx = https(certs().wrongSan());  // DNS:elsewhere.example only
  auto client = http::Client::make(failingUriOf(*nginx, certs().ca()));
  auto error = connectFailure(*client);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
  EXPECT_TRUE(contains(error, "IP address mismatch")) << error;

  auto by_name =
      http::Client::make(failingUriOf(*nginx, certs().ca(), "&tls_server_name=localhost"));
  error = connectFailure(*by_name);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
  EXPECT_TRUE(contains(error, "hostname mismatch")) << error;

  // The name it does carry, sent as the server name, verifies.
  auto named =
      http::Client::make(uriOf(*nginx, certs().ca(), "&tls_server_name=elsewhere.example"));
  EXPECT_EQ(named->get("/who").status, 200);

  auto unverified = http::Client::make(uriOf(*nginx, certs().ca(), "&tls_verify=false"));
  EXPECT_EQ(unverified->get("/who").body, "server-0");
  // Not verifying trusts any signer too.
  auto foreign = https(certs().foreign());
  auto anyone = http::Client::make(uriOf(*foreign, certs().ca(), "&tls_verify=false"));
  EXPECT_EQ(anyone->get("/who").body, "server-0");
}

TEST_F(TlsHttp, ExpiredServerCertificateIsRefused) {
  auto nginx = https(certs().expired());
  auto client = http::Client::make(failingUriOf(*nginx, certs().ca()));
  auto error = connectFailure(*client);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
  EXPECT_TRUE(contains(error, "expired")) << error;
}

TEST_F(TlsHttp, PinnedServerIdentity) {
  auto nginx = https(certs().server());
  for (const char* pin :
       {"spiffe://scales.test/server", "CN=server", "localhost", "127.0.0.1",
        "spiffe://scales.test/*", "spiffe://scales.test/other,spiffe://scales.test/server"}) {
    auto client = http::Client::make(uriOf(*nginx, certs().ca(), std::string("&tls_peer=") + pin));
    EXPECT_EQ(client->get("/who").status, 200) << "tls_peer=" << pin;
  }

  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto pinned = http::Client::make(
      failingUriOf(*nginx, certs().ca(), "&tls_peer=spiffe://scales.test/billing"), config);
  auto error = connectFailure(*pinned);
  EXPECT_TRUE(contains(error, "not the one expected")) << error;
  EXPECT_TRUE(contains(error, "spiffe://scales.test/server")) << error;
  EXPECT_GE(handshakes(registry, "identity_refused"), 1);
  EXPECT_EQ(handshakes(registry, "ok"), 0);
}

TEST_F(TlsHttp, MutualTlsPresentsTheClientCertificate) {
  auto nginx = https(certs().server(), certs().ca());
  auto with_cert = http::Client::make(
      uriOf(*nginx, certs().ca(),
            "&tls_cert=" + certs().client().cert + "&tls_key=" + certs().client().key));
  auto reply = with_cert->get("/whoami");
  EXPECT_EQ(reply.status, 200);
  // RFC 2253 order: the last RDN first.
  EXPECT_EQ(reply.body, "SUCCESS O=scales-test,CN=client");
  EXPECT_EQ(with_cert->get("/who").body, "server-0");

  // nginx finishes the handshake without a client certificate and refuses the request itself.
  auto without = http::Client::make(uriOf(*nginx, certs().ca()));
  auto refused = without->get("/whoami");
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(contains(refused.body, "No required SSL certificate was sent")) << refused.body;

  // A client certificate from a CA nginx does not trust.
  auto stranger = certs().issue("stranger", "URI:spiffe://scales.test/stranger", 2, true);
  auto untrusted = http::Client::make(
      uriOf(*nginx, certs().ca(), "&tls_cert=" + stranger.cert + "&tls_key=" + stranger.key));
  auto bad = untrusted->get("/whoami");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(contains(bad.body, "The SSL certificate error")) << bad.body;
}

TEST_F(TlsHttp, MismatchedTlsAndPlaintextEndFast) {
  // A plaintext client on the TLS port: nginx answers in plaintext that it wants TLS.
  auto nginx = https(certs().server());
  auto plain = http::Client::make("tcp://" + nginx->addresses() + "?timeout_ms=10000");
  auto start = Clock::now();
  auto reply = plain->get("/who");
  EXPECT_EQ(reply.status, 400);
  EXPECT_TRUE(contains(reply.body, "The plain HTTP request was sent to HTTPS port")) << reply.body;
  EXPECT_LT(Clock::now() - start, 5s);

  // A TLS client on a plaintext port: nginx answers the ClientHello with a plaintext 400.
  NginxServer cleartext;
  auto tls = http::Client::make(
      failingUriOf(cleartext, certs().ca(), "&timeout_ms=10000&tls_handshake_timeout_ms=10000"));
  start = Clock::now();
  auto error = connectFailure(*tls);
  EXPECT_TRUE(contains(error, "TLS handshake with " + cleartext.address(0))) << error;
  EXPECT_LT(Clock::now() - start, 5s);

  // A peer that closes as soon as the ClientHello arrives.
  FaultPeer reset(FaultPeer::Fault::kReset);
  auto to_reset = http::Client::make(
      "tcp://" + reset.address() +
      "?tls=true&max_requeues=0&timeout_ms=10000&tls_handshake_timeout_ms=10000");
  start = Clock::now();
  error = connectFailure(*to_reset);
  EXPECT_TRUE(contains(error, "connection closed by peer (does it speak TLS?)")) << error;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(TlsHttp, SilentPeerTimesOutTheHandshake) {
  FaultPeer silent(FaultPeer::Fault::kSilent);
  metrics::Registry registry;
  ClientConfig config;
  config.metrics = &registry;
  auto client = http::Client::make(
      "tcp://" + silent.address() +
          "?tls=true&max_requeues=0&timeout_ms=10000&tls_handshake_timeout_ms=300",
      config);
  auto start = Clock::now();
  auto error = connectFailure(*client);
  EXPECT_TRUE(contains(error, "timed out")) << error;
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_GE(handshakes(registry, "timeout"), 1);
}

TEST_F(TlsHttp, HandshakesAreCountedByOutcome) {
  auto nginx = https(certs().server());
  metrics::Registry registry;
  ClientConfig trusted;
  trusted.metrics = &registry;
  trusted.name = "trusted";
  auto good = http::Client::make(uriOf(*nginx, certs().ca()), trusted);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(good->get("/who").status, 200);
  EXPECT_EQ(handshakes(registry, "ok"), 1);

  ClientConfig distrusting;
  distrusting.metrics = &registry;
  distrusting.name = "distrusting";
  auto bad = http::Client::make(failingUriOf(*nginx, certs().otherCa()), distrusting);
  auto error = connectFailure(*bad);
  EXPECT_TRUE(contains(error, "certificate verify failed")) << error;
  EXPECT_GE(handshakes(registry, "verify_failed"), 1);
  EXPECT_EQ(handshakes(registry, "ok"), 1);

  // Per client: the service label tells them apart.
  int64_t trusted_ok = 0, distrusting_failed = 0;
  for (const auto& v : registry.snapshot().counters) {
    if (v.key.name != "tls_handshakes") continue;
    bool is_trusted = false, is_distrusting = false, ok = false, failed = false;
    for (const auto& [name, value] : v.key.labels) {
      is_trusted |= name == "service" && value == "trusted";
      is_distrusting |= name == "service" && value == "distrusting";
      ok |= name == "result" && value == "ok";
      failed |= name == "result" && value == "verify_failed";
    }
    if (is_trusted && ok) trusted_ok += v.value;
    if (is_distrusting && failed) distrusting_failed += v.value;
  }
  EXPECT_EQ(trusted_ok, 1);
  EXPECT_GE(distrusting_failed, 1);
}

// A 200 response whose bytes, head and body, are `size` long (size above 64).
std::string responseOfSize(size_t size) {
  auto head = [](size_t body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body) + "\r\n\r\n";
  };
  size_t body = size - head(size).size();
  return head(body) + std::string(body, 'x');
}

// A server out of step sends two responses to one request; the second must not answer the
// next caller. Under TLS it can wait where neither the client's read buffer nor a peek at the
// socket sees it, in two places, one per case below. The client's HTTP reads ask for 512 bytes
// at a time (Beast's read size for a buffer emptied by each parse), so a first response of a
// multiple of 512 bytes ends exactly at a read's end:
// - 16 KiB: the first fills a TLS record, the stray follows in a record of its own, sent in
//   the same write: the stray arrives with it and waits, undecrypted, in the session's read BIO
//   (without that check: /stray answered /next in every run);
// - 512 B: both in one record, of which the read takes the first: the stray waits decrypted
//   inside OpenSSL (without SSL_has_pending: in 2 or 3 of the 3 rounds of every run; the first
//   round on a new connection may read a session ticket first).
TEST_F(TlsHttp, AResponseWaitingInsideTheTlsSessionRetiresTheConnection) {
  for (size_t first_size : {size_t{16384}, size_t{512}}) {
    const std::string first = responseOfSize(first_size);
    const size_t first_body = first.size() - (first.find("\r\n\r\n") + 4);
    HttpPeer peer(
        [&](const auto& request) -> HttpPeer::Answer {
          std::string target(request.target());
          if (target == "/double") {
            return {first + "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n/stray", false};
          }
          return {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(target.size()) +
                      "\r\n\r\n" + target,
                  false};
        },
        certs().server());
    auto client = http::Client::make("tcp://" + peer.address() +
                                     "?tls=true&tls_ca=" + certs().ca() + "&accrual_failures=100");
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(client->get("/double").body.size(), first_body) << first_size;
      EXPECT_EQ(client->get("/next").body, "/next")
          << "the stray response answered the next call (first response " << first_size << " B)";
    }
    EXPECT_EQ(peer.connections(), 4) << first_size;
  }
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Attacks on the server's TLS handshake, on a port that serves TLS and plaintext, while
// legitimate plaintext clients keep calling: ClientHellos that stall halfway (a slowloris of the
// handshake) and handshake records of garbage. The first must be closed at handshake_timeout,
// the second at once; neither may grow memory.
#include <gtest/gtest.h>

#include "attacks.h"
#include "harness.h"
#include "support/test_certs.h"

namespace scales::adversarial {
namespace {
using namespace std::chrono_literals;

constexpr int kF = sanitizerFactor();

int countWithin(const std::vector<double>& closes, double seconds) {
  int n = 0;
  for (double c : closes) n += c >= 0 && c <= seconds;
  return n;
}

TEST(Adversarial, TlsHandshakesThatStallOrLieAreClosed) {
  testing::TestCerts certs;
  Harness h("tls-handshakes", {"--tls-cert", certs.server().cert, "--tls-key", certs.server().key,
                               "--handshake-timeout-ms", "1500", "--max-connections", "500"});
  const double timeout_s = 1.5, slack_s = 3.0 * kF;
  // A TLS record header announcing a 512-byte handshake message, then 59 bytes of it, then
  // nothing: the server waits for the rest only until handshake_timeout.
  std::string stalled_bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  stalled_bytes.append(53, 'a');
  // A record header, then 16 KiB that is no handshake at all.
  std::string garbage_bytes("\x16\x03\x01\x40\x00", 5);
  garbage_bytes.append(16 * 1024, '\x7f');
  Held stalled, garbage;
  for (int i = 0; i < 100; ++i) {
    auto conn = RawConn::connect(h.port(), 2000ms);
    if (conn && conn->sendAll(stalled_bytes, 2000ms)) stalled.add(std::move(conn));
  }
  for (int i = 0; i < 64; ++i) {
    auto conn = RawConn::connect(h.port(), 2000ms);
    if (conn) {
      conn->send(garbage_bytes, 2000ms);  // the server may close before taking it all
      garbage.add(std::move(conn));
    }
  }
  ASSERT_EQ(stalled.size(), 100u);
  ASSERT_EQ(garbage.size(), 64u);
  auto garbage_closes = watchCloses(garbage, Millis(static_cast<int>(slack_s * 1000)));
  auto stalled_closes =
      watchCloses(stalled, Millis(static_cast<int>((timeout_s + slack_s) * 1000)));
  EXPECT_EQ(countWithin(garbage_closes, 1.0 * kF), 64) << "garbage handshakes not closed at once";
  EXPECT_EQ(countClosed(stalled_closes), 100) << "stalled handshakes outlived handshake_timeout";
  double first = 1e9;
  for (double c : stalled_closes) first = c >= 0 ? std::min(first, c) : first;
  EXPECT_GE(first, 0.75 * timeout_s) << "a stalled handshake closed before handshake_timeout";
  stalled.resetAll();
  garbage.resetAll();
  auto out = h.finish({.rss_growth_kib = 16 * kMiB * kF});
  EXPECT_GE(counter(out.stats, "handshake_timeouts"), 100u);
  EXPECT_GE(counter(out.stats, "tls_handshake_failures"), 64u);
}

}  // namespace
}  // namespace scales::adversarial

// SPDX-License-Identifier: Apache-2.0
// The Probe contract (scales/health/health_check.h), run against every registered probe over real
// sockets on 127.0.0.1: healthy ("") against a live peer that speaks its protocol, a reason
// against a closed port, and never an exception out of the coroutine, whether the peer resets,
// talks nonsense, or says nothing until the checker's timeout cancels the probe. A probe
// registered without a recipe here fails the suite, naming it.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "scales/health/health_check.h"
#include "support/fault_peer.h"
#include "support/flaky_handler.h"
#include "support/http_peer.h"
#include "support/loopback_port.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using discovery::Endpoint;

// Every case completes well within this, or fails.
constexpr auto kLimit = 5s;

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// A live peer that speaks one probe's protocol.
struct Peer {
  virtual ~Peer() = default;
  virtual uint16_t port() const = 0;
};

// A scales ThriftServer: it accepts TCP connections and speaks Mux (it answers Tping).
struct ThriftPeer : Peer {
  FlakyServer server{"probe-contract"};
  uint16_t port() const override { return server.server.port(); }
};

// 200 on the health path, 404 elsewhere.
struct HealthPagePeer : Peer {
  explicit HealthPagePeer(std::string path)
      : http([path](const auto& request) -> HttpPeer::Answer {
          if (request.target() == path) {
            return {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", true};
          }
          return {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true};
        }) {}
  uint16_t port() const override { return portOf(http.address()); }
  HttpPeer http;
};

struct ProbeRecipe {
  std::function<std::unique_ptr<Peer>()> serve;  // a peer the probe must find healthy
  health::HealthCheckOptions options;            // `probe` is set by the suite
};

health::HealthCheckOptions withPath(const std::string& path) {
  health::HealthCheckOptions options;
  options.http_path = path;
  return options;
}

// Every probe this suite knows how to serve. A probe registered without an entry here fails the
// suite: add a recipe when you register one.
const std::map<std::string, ProbeRecipe>& recipes() {
  static const std::map<std::string, ProbeRecipe> all{
      {"tcp", {[] { return std::make_unique<ThriftPeer>(); }, {}}},
      {"http", {[] { return std::make_unique<HealthPagePeer>("/health"); }, withPath("/health")}},
      {"mux", {[] { return std::make_unique<ThriftPeer>(); }, {}}},
  };
  return all;
}

struct Outcome {
  bool done = false;
  std::exception_ptr thrown;
  std::string verdict;
  Clock::time_point at;
};

class ProbeContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto it = recipes().find(GetParam());
    ASSERT_TRUE(it != recipes().end())
        << "health probe '" << GetParam()
        << "' is registered but probe_contract_test.cpp has no recipe to serve it: add one";
    recipe_ = &it->second;
    options_ = recipe_->options;
    options_.probe = GetParam();
    ASSERT_NO_THROW(options_.validate());
    probe_ = health::makeProbe(GetParam());
  }

  // Runs the probe against 127.0.0.1:`port`; with `cancel_after`, the way the checker's timeout
  // does (a terminal cancellation).
  Outcome probe(uint16_t port, std::optional<Duration> cancel_after = std::nullopt) {
    asio::io_context io;
    Endpoint endpoint{"127.0.0.1", port};
    Outcome out;
    asio::cancellation_signal cancel;
    asio::co_spawn(io, probe_(endpoint, options_),
                   asio::bind_cancellation_slot(
                       cancel.slot(), [&out](std::exception_ptr thrown, std::string verdict) {
                         out.done = true;
                         out.thrown = thrown;
                         out.verdict = std::move(verdict);
                         out.at = Clock::now();
                       }));
    asio::steady_timer timer(io);
    if (cancel_after) {
      timer.expires_after(*cancel_after);
      timer.async_wait([&](boost::system::error_code ec) {
        if (!ec && !out.done) cancel.emit(asio::cancellation_type::terminal);
      });
    }
    auto give_up = Clock::now() + kLimit;
    while (!out.done && Clock::now() < give_up) {
      io.restart();
      io.run_one_until(give_up);
    }
    timer.cancel();
    return out;
  }

  static std::string rethrown(const std::exception_ptr& thrown) {
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "(not a std::exception)";
    }
  }

  const ProbeRecipe* recipe_ = nullptr;
  health::HealthCheckOptions options_;
  health::Probe probe_;
};

TEST_P(ProbeContract, LivePeerSpeakingItsProtocolIsHealthy) {
  auto peer = recipe_->serve();
  auto out = probe(peer->port());
  ASSERT_TRUE(out.done) << "no verdict within 5 s";
  ASSERT_FALSE(out.thrown) << "threw: " << rethrown(out.thrown);
  EXPECT_EQ(out.verdict, "");
}

TEST_P(ProbeContract, ClosedPortIsUnhealthyWithAReason) {
  auto out = probe(freeLoopbackPort());
  ASSERT_TRUE(out.done) << "no verdict within 5 s";
  ASSERT_FALSE(out.thrown) << "threw: " << rethrown(out.thrown);
  EXPECT_NE(out.verdict, "");
}

TEST_P(ProbeContract, PeerThatResetsGetsAVerdictNotAnException) {
  FaultPeer reset(FaultPeer::Fault::kReset);
  auto out = probe(portOf(reset.address()));
  ASSERT_TRUE(out.done) << "no verdict within 5 s";
  EXPECT_FALSE(out.thrown) << "threw: " << rethrown(out.thrown);
}

TEST_P(ProbeContract, PeerThatTalksNonsenseGetsAVerdictNotAnException) {
  FaultPeer garbage(FaultPeer::Fault::kGarbage);
  // A probe may wait for more of the nonsense: the checker's timeout ends that.
  auto out = probe(portOf(garbage.address()), 500ms);
  ASSERT_TRUE(out.done) << "not done within 5 s, though cancelled after 500 ms";
  EXPECT_FALSE(out.thrown) << "threw: " << rethrown(out.thrown);
}

TEST_P(ProbeContract, CancellationOnASilentPeerEndsItPromptlyWithoutAnException) {
  FaultPeer silent(FaultPeer::Fault::kSilent);
  auto started = Clock::now();
  auto out = probe(portOf(silent.address()), 300ms);
  // The checker waits for a cancelled probe to finish: one that ignores cancellation would hold
  // the endpoint's checks forever.
  ASSERT_TRUE(out.done) << "not done within 5 s, though cancelled after 300 ms";
  EXPECT_LT(out.at - started, 2s);
  EXPECT_FALSE(out.thrown) << "threw: " << rethrown(out.thrown);
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, ProbeContract,
                         ::testing::ValuesIn(health::probeRegistry().list()),
                         [](const auto& param) {
                           std::string name = param.param;  // test names take [A-Za-z0-9_]
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(ProbeContractCoverage, EveryProbeHasARecipe) {
  std::string missing;
  for (const auto& name : health::probeRegistry().list()) {
    if (!recipes().count(name)) missing += (missing.empty() ? "" : ", ") + name;
  }
  EXPECT_EQ(missing, "") << "registered health probes without a recipe in probe_contract_test.cpp";
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// The admin page's JSON over real sockets on 127.0.0.1: a client on three backend processes is
// listed with its endpoints, resolver, retry budget and latency; killing one backend turns that
// endpoint dead; closed clients leave the list even while it is being read; a client whose
// event loop is blocked is reported as such instead of holding the answer, and so is one that
// cannot be asked; a client over the endpoint cap is described in part and counted in full; a
// half-open breaker's probe shows probation; requests naming another host are refused. The page
// itself is tested in a real browser in admin_page_chromium_test.cpp.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "integration/admin_harness.h"
#include "scales/core/errors.h"
#include "scales/metrics/admin_server.h"
#include "scales/metrics/client_directory.h"
#include "support/fault_peer.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using nlohmann::json;

// A long accrual backoff: a dead endpoint stays dead (not on probation) while the test looks.
constexpr const char* kOptions =
    "?balancer=round_robin&accrual_backoff_ms=30000&accrual_backoff_max_ms=30000";

flaky::FlakyClient clientOn(const std::vector<const BackendProcess*>& backends,
                            const std::string& name) {
  std::string uri = "tcp://";
  for (const auto* backend : backends) uri += (uri.size() > 6 ? "," : "") + backend->address();
  ClientConfig config;
  config.name = name;
  return flaky::FlakyClient::make(uri + kOptions, config);
}

// An event loop on a thread of its own, handed to clients as their executor.
struct Loop {
  Loop() : thread([this] { io.run(); }) {}
  ~Loop() {
    work.reset();
    thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

// Polls /admin.json until `done` holds for the client called `name` (its last entry either way).
// The state watched is in other processes (backends, curl) and no event announces it: a bounded
// poll, with a short pause so it does not start curl back to back.
template <class Done>
std::optional<json> awaitClient(uint16_t port, const std::string& name, Done done,
                                Duration within = 20s) {
  std::optional<json> last;
  for (auto give_up = Clock::now() + within; Clock::now() < give_up;) {
    last = clientNamed(adminJson(port), name);
    if (last && done(*last)) break;
    std::this_thread::sleep_for(20ms);
  }
  return last;
}

TEST(AdminPage, ListsEndpointsAndTurnsAKilledBackendDead) {
  BackendProcess a("a"), c("c");
  auto b = std::make_unique<BackendProcess>("b");
  auto client = clientOn({&a, b.get(), &c}, "admin-json");
  metrics::AdminServer admin(metrics::defaultRegistry());
  for (int i = 0; i < 30; ++i) EXPECT_FALSE(client.read("k", 0).empty());

  auto listed = clientNamed(adminJson(admin.port()), "admin-json");
  ASSERT_TRUE(listed) << "the client is not on the admin page";
  const json& before = *listed;
  EXPECT_EQ(before["balancer"], "round_robin");
  EXPECT_NE(before["uri"].get<std::string>().find(b->address()), std::string::npos);
  EXPECT_EQ(before["error"], "");
  EXPECT_EQ(before["resolver"]["state"], "ok");
  EXPECT_EQ(before["resolver"]["endpoints"], 3);
  EXPECT_GE(before["resolver"]["updates"], 1);
  EXPECT_GT(before["resolver"]["last_update_ms"], 0);
  EXPECT_GE(before["retry_budget"]["calls"], 30);
  EXPECT_GT(before["retry_budget"]["available"], 0);
  EXPECT_GE(before["latency"]["count"], 30);
  EXPECT_FALSE(before["latency"]["buckets"].empty());
  ASSERT_EQ(before["endpoints"].size(), 3u);
  for (const auto& endpoint : before["endpoints"]) {
    EXPECT_EQ(endpoint["state"], "live") << endpoint.dump();
    EXPECT_TRUE(endpoint["available"]);
    EXPECT_GE(endpoint["connections"], 1) << endpoint.dump();  // each has its Mux session
    EXPECT_GE(endpoint["requests"], 5) << endpoint.dump();     // round robin: a third each
    EXPECT_GT(endpoint["ewma_ms"], 0.0) << endpoint.dump();
    EXPECT_EQ(endpoint["reasons"].size(), 0u);
  }

  std::string killed = b->address();
  BackgroundReads traffic(client);
  b->process.kill();  // SIGKILL: no drain, its connections just die
  auto after = awaitClient(admin.port(), "admin-json", [&killed](const json& entry) {
    return endpointState(entry, killed) == "dead";
  });
  ASSERT_TRUE(after);
  ASSERT_EQ(endpointState(*after, killed), "dead") << after->dump(2);
  for (const auto& endpoint : (*after)["endpoints"]) {
    if (endpoint["address"] != killed) {
      EXPECT_EQ(endpoint["state"], "live") << endpoint.dump();
      continue;
    }
    EXPECT_FALSE(endpoint["available"]);
    EXPECT_NE(endpoint["last_error"], "") << endpoint.dump();
    EXPECT_GT(endpoint["last_error_ms"], 0);
    ASSERT_EQ(endpoint["reasons"].size(), 1u) << endpoint.dump();
    EXPECT_EQ(endpoint["reasons"][0]["gate"], "failure_accrual");
  }
  EXPECT_EQ((*after)["live"], 2);
}

TEST(AdminPage, ClosedClientsLeaveTheListWhileItIsRead) {
  BackendProcess a("a");
  metrics::AdminServer admin(metrics::defaultRegistry());
  // Clients on their own loops and on a shared one (a strand over it) come and go while
  // /admin.json is read continuously from another thread: no answer may touch a client that
  // is gone (ASan watches), and every answer is whole JSON.
  Loop shared;
  std::atomic<int> answers{0}, broken{0};
  // A jthread: should a client fail to build (make throws), the reader is stopped and joined on
  // the way out instead of std::terminate on a joinable thread.
  std::jthread reader([&](std::stop_token churning) {
    for (auto give_up = Clock::now() + 30s; !churning.stop_requested() && Clock::now() < give_up;) {
      auto parsed = adminJson(admin.port());
      ++(parsed.is_object() ? answers : broken);
    }
  });
  for (int i = 0; i < 24; ++i) {
    ClientConfig config;
    config.name = "churn-" + std::to_string(i);
    if (i % 2 == 1) config.executor = shared.io.get_executor();
    auto client = flaky::FlakyClient::make("tcp://" + a.address() + kOptions, config);
    client.read("k", 0);
    if (i % 3 == 0) {  // sometimes until the list shows it, sometimes gone at once
      auto seen = awaitClient(
          admin.port(), config.name, [](const json&) { return true; }, 10s);
      EXPECT_TRUE(seen) << config.name;
    }
  }
  reader.request_stop();
  reader.join();
  EXPECT_GT(answers, 0);
  EXPECT_EQ(broken, 0);
  auto last = adminJson(admin.port());
  ASSERT_TRUE(last.is_object());
  for (int i = 0; i < 24; ++i) {
    EXPECT_FALSE(clientNamed(last, "churn-" + std::to_string(i))) << "churn-" << i;
  }
}

TEST(AdminPage, AClientWithABlockedLoopIsReportedNotWaitedFor) {
  BackendProcess a("a");
  metrics::AdminServer admin(metrics::defaultRegistry());
  Loop loop;
  ClientConfig config;
  config.name = "blocked";
  config.executor = loop.io.get_executor();
  std::optional<flaky::FlakyClient> client =
      flaky::FlakyClient::make("tcp://" + a.address() + kOptions, config);
  client->read("k", 0);

  // The client's only thread, stuck in someone else's handler until released (at the latest
  // when the test ends, before the client closes on that loop).
  struct Release {
    ~Release() { (*this)(); }
    void operator()() {
      if (!done) promise.set_value();
      done = true;
    }
    std::promise<void> promise;
    bool done = false;
  } release;
  std::promise<void> blocked;
  asio::post(loop.io, [&blocked, held = release.promise.get_future().share()] {
    blocked.set_value();
    held.wait();
  });
  blocked.get_future().wait();
  auto started = Clock::now();
  auto stuck = clientNamed(adminJson(admin.port()), "blocked");
  auto took = Clock::now() - started;
  ASSERT_TRUE(stuck);
  EXPECT_NE((*stuck)["error"].get<std::string>().find("no answer"), std::string::npos)
      << stuck->dump();
  // The server waits 1 s for a client's loop; the rest is curl and the other clients.
  EXPECT_LT(took, 2500ms) << "the admin server waited on a blocked client";

  release();
  auto freed = awaitClient(admin.port(), "blocked", [](const json& entry) {
    return entry["error"] == "" && entry["endpoints"].size() == 1;
  });
  ASSERT_TRUE(freed);
  EXPECT_EQ(endpointState(*freed, a.address()), "live") << freed->dump();
  client.reset();  // closes on its loop, which runs again
}

TEST(AdminPage, ThePageIsSelfContained) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  ChildProcess curl({CURL, "-sS", "-i", "--max-time", "5",
                     "http://127.0.0.1:" + std::to_string(admin.port()) + "/admin"});
  auto reply = curl.readAll(10s);
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply.substr(0, 300);
  EXPECT_NE(reply.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
  EXPECT_NE(reply.find("fetch('admin.json'"), std::string::npos) << "the page reads its JSON";
  // Nothing to fetch from anywhere: no URL with a scheme or a protocol-relative one.
  for (const char* external : {"http://", "https://", "src=\"//", "href=\"//", "url("}) {
    EXPECT_EQ(reply.find(external), std::string::npos) << external;
  }
}

TEST(AdminPage, RequestsForAnotherHostAreRefused) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  std::string port = std::to_string(admin.port());
  // A page whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name.
  for (const char* path : {"/admin.json", "/admin", "/metrics"}) {
    EXPECT_EQ(httpStatusWithHost(admin.port(), path, "evil.example"), "421") << path;
    EXPECT_EQ(httpStatusWithHost(admin.port(), path, "evil.example:" + port), "421") << path;
  }
  EXPECT_EQ(httpStatusWithHost(admin.port(), "/admin.json", "127.0.0.1:1"), "421")
      << "another port is another server";
  EXPECT_EQ(httpStatusWithHost(admin.port(), "/admin.json", "127.0.0.1.evil.example"), "421");
  // What curl, Prometheus and a browser on this machine send.
  for (const std::string& host : std::vector<std::string>{
           "127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost", "[::1]:" + port}) {
    EXPECT_EQ(httpStatusWithHost(admin.port(), "/admin.json", host), "200") << host;
  }
  EXPECT_TRUE(adminJson(admin.port()).is_object()) << "curl's own Host header passes";

  metrics::AdminOptions named;
  named.allowed_hosts = {"Admin.Internal"};
  metrics::AdminServer elsewhere(metrics::defaultRegistry(), named);
  EXPECT_EQ(httpStatusWithHost(elsewhere.port(), "/metrics", "admin.internal"), "200");
  EXPECT_EQ(httpStatusWithHost(elsewhere.port(), "/metrics", "evil.example"), "421");
}

// Connections that send nothing hold an exchange each until its 10 s timeout: 64 of them fill
// the server, the 65th is closed as it is accepted, and once they leave a scrape is answered.
TEST(AdminPage, SilentConnectionsPastTheCapAreClosedAndTheNextScrapeIsAnswered) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  asio::io_context io;
  asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), admin.port());
  std::vector<asio::ip::tcp::socket> silent;
  for (int i = 0; i < 64; ++i) {
    silent.emplace_back(io);
    silent.back().connect(server);
  }
  // curl fails (the server closed the connection, no reply), and says so with "".
  EXPECT_EQ(httpStatusWithHost(admin.port(), "/metrics", "127.0.0.1"), "")
      << "a connection past the cap was served";
  for (auto& s : silent) s.close();
  // The server sees the closes as its reads end: bounded retries until a slot is free again.
  std::string status;
  for (int i = 0; i < 200 && status != "200"; ++i) {
    status = httpStatusWithHost(admin.port(), "/metrics", "127.0.0.1");
  }
  EXPECT_EQ(status, "200");
}

// A connection that sends no request is let go after the 2 s it has to send one, not after the
// whole exchange's 10 s: silent connections cannot hold the 64 exchanges long.
TEST(AdminPage, AConnectionThatSendsNothingIsClosedAfterTheRequestTimeout) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  asio::io_context io;
  asio::ip::tcp::socket silent(io);
  silent.connect({asio::ip::make_address("127.0.0.1"), admin.port()});
  timeval bound{9, 0};  // the read below ends by the server's close, or by this
  ASSERT_EQ(setsockopt(silent.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound), 0);
  auto started = Clock::now();
  char byte;
  // recv itself, not Asio's read (which polls without a limit): SO_RCVTIMEO bounds it.
  ssize_t got = ::recv(silent.native_handle(), &byte, 1, 0);
  auto waited = Clock::now() - started;
  EXPECT_EQ(got, 0) << "not closed by the server (-1: the bound passed)";
  EXPECT_GE(waited, 1500ms);
  EXPECT_LT(waited, 5s) << "held for the whole exchange";
}

TEST(AdminPage, AClientThatCannotBeAskedIsListedAndTheNextRequestsAreAnswered) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  auto& directory = metrics::clientDirectory();
  uint64_t id = directory.add("throws-when-asked", [](const metrics::ClientDirectory::Answer&) {
    throw std::runtime_error("cannot ask now");
  });
  struct Unlist {
    ~Unlist() { directory.remove(id); }
    metrics::ClientDirectory& directory;
    uint64_t id;
  } unlist{directory, id};
  for (int round = 0; round < 3; ++round) {  // one failure must not wedge the later rounds
    auto started = Clock::now();
    auto listed = clientNamed(adminJson(admin.port()), "throws-when-asked");
    ASSERT_TRUE(listed) << "round " << round;
    EXPECT_NE((*listed)["error"].get<std::string>().find("cannot ask now"), std::string::npos)
        << listed->dump();
    EXPECT_LT(Clock::now() - started, 2500ms) << "it was waited for as if silent";
  }
}

TEST(AdminPage, AClientWithManyEndpointsIsDescribedUpToTheCapAndCountedInFull) {
  metrics::AdminServer admin(metrics::defaultRegistry());
  // Nothing listens there, and nothing connects: no call is made.
  size_t total = metrics::ClientStatus::kMaxEndpoints + 5;
  std::string uri = "tcp://";
  for (size_t i = 0; i < total; ++i) {
    uri += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(20000 + i);
  }
  ClientConfig config;
  config.name = "many-endpoints";
  auto client = flaky::FlakyClient::make(uri + kOptions, config);
  auto listed = awaitClient(admin.port(), "many-endpoints", [total](const json& entry) {
    return entry.value("endpoints_total", 0u) == total;
  });
  ASSERT_TRUE(listed);
  EXPECT_EQ((*listed)["endpoints_total"], total);
  EXPECT_EQ((*listed)["truncated"], true);
  ASSERT_EQ((*listed)["endpoints"].size(), metrics::ClientStatus::kMaxEndpoints);
  EXPECT_EQ((*listed)["endpoints"][0]["address"], "127.0.0.1:20000") << "address order";
  EXPECT_EQ((*listed)["endpoint_states"], json({{"live", total}}));
  EXPECT_EQ((*listed)["resolver"]["endpoints"], total);
}

TEST(AdminPage, AHalfOpenBreakersProbeShowsProbationAndKeepsTheErrorsTime) {
  FaultPeer hung(FaultPeer::Fault::kSilent);
  metrics::AdminServer admin(metrics::defaultRegistry());
  ClientConfig config;
  config.name = "breaker-probe";
  // Every call hangs for its 1 s timeout; two open the breaker, for 1.5 s each time.
  auto client = flaky::FlakyClient::make(
      "tcp://" + hung.address() +
          "?transport=framed&timeout_ms=1000&accrual_failures=0&breaker_max_failures=2"
          "&breaker_reset_timeout_ms=1500",
      config);
  auto state = [&hung](const json& entry) { return endpointState(entry, hung.address()); };
  EXPECT_THROW(client.read("k", 0), TimeoutError);
  EXPECT_THROW(client.read("k", 0), TimeoutError);
  auto opened = awaitClient(admin.port(), "breaker-probe",
                            [&](const json& entry) { return state(entry) == "breaker open"; });
  ASSERT_TRUE(opened);
  ASSERT_EQ(state(*opened), "breaker open") << opened->dump(2);
  int64_t opened_at = (*opened)["endpoints"][0]["last_error_ms"];
  ASSERT_GT(opened_at, 0);

  // After the reset timeout the next call is the probe: on trial.
  auto on_trial = awaitClient(admin.port(), "breaker-probe",
                              [&](const json& entry) { return state(entry) == "probation"; });
  ASSERT_TRUE(on_trial);
  ASSERT_EQ(state(*on_trial), "probation") << on_trial->dump(2);
  EXPECT_EQ((*on_trial)["endpoints"][0]["available"], true);
  // While the probe hangs the endpoint is out of the live set (no second call), but still on
  // probation, and its last error is still the one that opened the breaker.
  auto probe = std::async(std::launch::async, [&client] {
    try {
      client.read("k", 0);
    } catch (const std::exception&) {
    }
  });
  auto probing = awaitClient(
      admin.port(), "breaker-probe",
      [](const json& entry) {
        return entry["endpoints"].size() == 1 && entry["endpoints"][0]["available"] == false;
      },
      900ms);  // within the probe's 1 s
  ASSERT_TRUE(probing);
  const auto& endpoint = (*probing)["endpoints"][0];
  ASSERT_EQ(endpoint["available"], false) << probing->dump(2);
  EXPECT_EQ(endpoint["state"], "probation") << endpoint.dump();
  EXPECT_EQ(endpoint["last_error_ms"], opened_at) << "the probe is not a new error";
  probe.wait();
  // The probe timed out: open again, with a new error.
  auto reopened = awaitClient(admin.port(), "breaker-probe",
                              [&](const json& entry) { return state(entry) == "breaker open"; });
  ASSERT_TRUE(reopened);
  EXPECT_EQ(state(*reopened), "breaker open");
  EXPECT_GT((*reopened)["endpoints"][0]["last_error_ms"], opened_at);
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Active health checks against real sockets on 127.0.0.1: each probe's verdict on healthy and
// broken peers, thresholds in both directions, probes to many endpoints running side by side,
// and a client whose health checks take a hung endpoint out of rotation.
#include "scales/health/health_check.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "Flaky.scales.h"
#include "scales/core/errors.h"
#include "scales/server/thrift_server.h"
#include "support/fault_peer.h"
#include "support/flaky_handler.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Answers every HTTP request with `status` (changeable) and closes.
class HttpResponder {
 public:
  explicit HttpResponder(int status)
      : status_(status), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpResponder() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::atomic<int> status_;
  std::atomic<int> requests{0};
  std::string last_target;

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      auto buffer = std::make_shared<asio::streambuf>();
      asio::async_read_until(*s, *buffer, "\r\n\r\n", [this, s, buffer](auto error, size_t) {
        if (error) return;
        std::string head(asio::buffers_begin(buffer->data()), asio::buffers_end(buffer->data()));
        last_target = head.substr(4, head.find(' ', 4) - 4);
        ++requests;
        auto reply = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status_.load()) +
                                                   " X\r\nContent-Length: 0\r\n\r\n");
        asio::async_write(*s, asio::buffer(*reply), [s, reply](auto, size_t) {});
      });
      accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// Runs HealthCheckers on a loop thread and hands their reports over as futures.
class Checks {
 public:
  Checks() : thread_([this] { io_.run(); }) {}
  ~Checks() {
    asio::post(io_, [this] {
      for (auto& c : checkers_) c->stop();
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // The next `n` reports of a checker probing `address` with `options`.
  std::vector<std::future<std::pair<bool, std::string>>> watch(uint16_t port,
                                                               health::HealthCheckOptions options,
                                                               int n = 1) {
    auto reports = std::make_shared<std::vector<std::promise<std::pair<bool, std::string>>>>(n);
    std::vector<std::future<std::pair<bool, std::string>>> futures;
    for (auto& p : *reports) futures.push_back(p.get_future());
    auto next = std::make_shared<int>(0);
    auto checker = std::make_shared<health::HealthChecker>(
        discovery::Endpoint{"127.0.0.1", port}, options, health::makeProbe(options.probe),
        io_.get_executor(), [reports, next](bool healthy, const std::string& why) {
          if (*next < static_cast<int>(reports->size())) {
            (*reports)[static_cast<size_t>((*next)++)].set_value({healthy, why});
          }
        });
    asio::post(io_, [this, checker] {
      checkers_.push_back(checker);
      checker->start();
    });
    return futures;
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::vector<std::shared_ptr<health::HealthChecker>> checkers_;
  std::thread thread_;
};

health::HealthCheckOptions fast(const std::string& probe) {
  health::HealthCheckOptions o;
  o.probe = probe;
  o.interval = 20ms;
  o.timeout = 200ms;
  o.healthy_threshold = 1;
  o.unhealthy_threshold = 1;
  return o;
}

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

TEST(HealthCheck, TcpProbeSeesAServerGoAndComeBack) {
  auto server = std::make_unique<server::ThriftServer>(
      std::make_shared<flaky::FlakyDispatcher>(std::make_shared<FlakyHandler>("x")));
  server->start();
  uint16_t port = server->port();
  Checks checks;
  auto options = fast("tcp");
  options.unhealthy_threshold = 2;
  auto reports = checks.watch(port, options, 2);
  server.reset();  // stops listening
  ASSERT_EQ(reports[0].wait_for(5s), std::future_status::ready);
  auto [healthy, why] = reports[0].get();
  EXPECT_FALSE(healthy);
  EXPECT_NE(why.find("connect failed"), std::string::npos) << why;
  server::ThriftServer again(
      std::make_shared<flaky::FlakyDispatcher>(std::make_shared<FlakyHandler>("x")),
      server::ServerOptions{.port = port});
  again.start();
  ASSERT_EQ(reports[1].wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(reports[1].get().first);
}

TEST(HealthCheck, HttpProbeWantsA2xx) {
  HttpResponder http(503);
  Checks checks;
  auto options = fast("http");
  options.http_path = "/ready";
  auto reports = checks.watch(http.port(), options, 2);
  ASSERT_EQ(reports[0].wait_for(5s), std::future_status::ready);
  auto [healthy, why] = reports[0].get();
  EXPECT_FALSE(healthy);
  EXPECT_NE(why.find("GET /ready answered 503"), std::string::npos) << why;
  EXPECT_EQ(http.last_target, "/ready");
  http.status_ = 204;
  ASSERT_EQ(reports[1].wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(reports[1].get().first);
}

TEST(HealthCheck, MuxProbeWantsAnRping) {
  server::ThriftServer mux(
      std::make_shared<flaky::FlakyDispatcher>(std::make_shared<FlakyHandler>("x")));
  mux.start();
  FaultPeer garbage(FaultPeer::Fault::kGarbage);
  FaultPeer silent(FaultPeer::Fault::kSilent);
  HttpResponder http(200);  // answers, but not Mux
  Checks checks;
  auto good = checks.watch(mux.port(), fast("mux"));
  auto bad = checks.watch(portOf(garbage.address()), fast("mux"));
  auto hung = checks.watch(portOf(silent.address()), fast("mux"));
  auto wrong = checks.watch(http.port(), fast("mux"));
  for (auto* f : {&bad[0], &hung[0], &wrong[0]}) {
    ASSERT_EQ(f->wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(f->get().first);
  }
  // A healthy endpoint never reports a change.
  EXPECT_EQ(good[0].wait_for(300ms), std::future_status::timeout);
}

TEST(HealthCheck, ProbesToManyEndpointsRunSideBySide) {
  std::vector<std::unique_ptr<FaultPeer>> hung;
  for (int i = 0; i < 10; ++i)
    hung.push_back(std::make_unique<FaultPeer>(FaultPeer::Fault::kSilent));
  Checks checks;
  auto options = fast("mux");
  options.timeout = 300ms;
  std::vector<std::future<std::pair<bool, std::string>>> reports;
  auto started = Clock::now();
  for (auto& peer : hung)
    reports.push_back(std::move(checks.watch(portOf(peer->address()), options)[0]));
  for (auto& r : reports) {
    ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(r.get().second.find("probe timed out") != std::string::npos, true);
  }
  // One after another, ten 300 ms timeouts would take 3 s.
  EXPECT_LT(Clock::now() - started, 1500ms);
}

TEST(HealthCheck, UnknownProbeIsAConfigError) {
  try {
    health::makeProbe("icmp");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("http, mux, tcp"), std::string::npos) << e.what();
  }
}

TEST(HealthCheck, AClientsHealthChecksTakeAHungEndpointOutOfRotation) {
  FaultPeer hung(FaultPeer::Fault::kSilent);
  server::ThriftServer good(
      std::make_shared<flaky::FlakyDispatcher>(std::make_shared<FlakyHandler>("good")));
  good.start();
  // Accrual off: only the Mux ping can tell that `hung` accepts but never answers.
  auto client = flaky::FlakyClient::make(
      "tcp://" + hung.address() + ",127.0.0.1:" + std::to_string(good.port()) +
      "?balancer=round_robin&accrual_failures=0&timeout_ms=100&health_check=mux"
      "&health_interval_ms=30&health_timeout_ms=100&health_unhealthy_threshold=1");
  auto give_up = Clock::now() + 10s;
  int in_a_row = 0;
  while (in_a_row < 20 && Clock::now() < give_up) {
    try {
      EXPECT_EQ(client.read("k", 0), "good");
      ++in_a_row;
    } catch (const TimeoutError&) {
      in_a_row = 0;
    }
  }
  EXPECT_EQ(in_a_row, 20) << "the hung endpoint stayed in rotation";
}

}  // namespace
}  // namespace scales::testing

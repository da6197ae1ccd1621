// SPDX-License-Identifier: Apache-2.0
// What callers see when things go wrong: bad URIs, refused connections, servers that never
// answer, malformed frames, dropped connections. Each error is typed and the client survives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "integration/interop_handler.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

std::string configErrorFor(const std::string& uri) {
  try {
    interop::InteropServiceClient::make(uri);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(BadUri, EachMistakeIsNamed) {
  EXPECT_NE(configErrorFor("127.0.0.1:9090").find("scheme://"), std::string::npos);
  EXPECT_NE(configErrorFor("tcp://localhost").find("missing ':port'"), std::string::npos);
  EXPECT_NE(configErrorFor("tcp://h:99999").find("'99999'"), std::string::npos);
  EXPECT_NE(configErrorFor("tcp://h:1,,h:2").find("empty host:port"), std::string::npos);
  EXPECT_NE(configErrorFor("tcp://").find("at least one"), std::string::npos);
  auto scheme = configErrorFor("carrier-pigeon://h:1");
  EXPECT_NE(scheme.find("unknown resolver scheme 'carrier-pigeon'"), std::string::npos) << scheme;
  EXPECT_NE(scheme.find("; valid: "), std::string::npos) << scheme;
  EXPECT_NE(scheme.find("tcp"), std::string::npos) << scheme;
  auto balancer = configErrorFor("tcp://h:1?balancer=psychic");
  EXPECT_NE(balancer.find("unknown balancer 'psychic'; valid: aperture, deterministic_aperture"),
            std::string::npos)
      << balancer;
  auto option = configErrorFor("tcp://h:1?colour=blue");
  EXPECT_NE(option.find("unknown option 'colour'"), std::string::npos) << option;
  EXPECT_NE(configErrorFor("tcp://h:1?timeout_ms=soon").find("timeout_ms='soon'"),
            std::string::npos);
  EXPECT_NE(configErrorFor("tcp://h:1?protocol=json").find("valid: binary, compact"),
            std::string::npos);
}

uint16_t closedPort() {
  asio::io_context io;
  tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();  // closed again when probe goes out of scope
}

TEST(Failures, RefusedConnectionMarksTheOnlyEndpointDeadAndFailsFast) {
  auto client = interop::InteropServiceClient::make(
      "tcp://127.0.0.1:" + std::to_string(closedPort()) + "?max_requeues=0");
  // The first call hears the refusal itself...
  try {
    client.ping();
    ADD_FAILURE() << "ping succeeded";
  } catch (const ConnectFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
  // ...which marks the endpoint dead: the next fails fast, saying why.
  try {
    client.ping();
    ADD_FAILURE() << "ping succeeded";
  } catch (const UnavailableError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("every endpoint"), std::string::npos) << what;
    EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
  }
}

// A loopback peer scripted per test: accepts connections and runs `session` on each.
class RawPeer {
 public:
  using Session = std::function<void(tcp::socket&)>;
  explicit RawPeer(Session session)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), session_(std::move(session)) {
    thread_ = std::thread([this] {
      while (true) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        session_(socket);
        sockets_.push_back(std::move(socket));  // keep open until the peer stops
      }
    });
  }
  ~RawPeer() {
    stopping_ = true;
    boost::system::error_code ignored;
    // Wake the blocking accept with a connection of our own.
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string uri() const {
    return "tcp://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  Session session_;
  std::vector<tcp::socket> sockets_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Reads one framed request so that the reply comes after the call was written.
void readRequest(tcp::socket& s) {
  unsigned char header[4];
  asio::read(s, asio::buffer(header));
  uint32_t size = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
  std::string body(size, '\0');
  asio::read(s, asio::buffer(body));
}

TEST(Failures, SilentServerEndsCallAtItsDeadline) {
  RawPeer silent([](tcp::socket&) {});
  auto client = interop::InteropServiceClient::make(silent.uri() + "?timeout_ms=200");
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.ping(), TimeoutError);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST(Failures, OversizedFrameIsProtocolError) {
  RawPeer liar([](tcp::socket& s) {
    readRequest(s);
    asio::write(s, asio::buffer(std::string("\xff\xff\xff\xff", 4)));
  });
  auto client = interop::InteropServiceClient::make(liar.uri());
  try {
    client.ping();
    ADD_FAILURE() << "ping succeeded";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("max_frame_bytes"), std::string::npos) << e.what();
  }
}

// This process's resident memory, in KiB.
int64_t residentKiB() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// A server that announces reply frames of max_frame_bytes (16 MiB) and sends 64 bytes of each:
// a framed connection holds what arrived, not what was claimed. 16 calls on 16 connections
// (256 MiB claimed) leave this process's resident memory within 32 MiB of where it was, all the
// while they wait for the rest, until their deadline.
TEST(Failures, AClaimedReplyFrameCostsOnlyTheBytesThatArrived) {
  std::atomic<int> claims{0};
  RawPeer liar([&](tcp::socket& s) {
    readRequest(s);
    std::string claim("\x01\x00\x00\x00", 4);
    claim += std::string(64, '\x80');
    asio::write(s, asio::buffer(claim));
    ++claims;
  });
  auto client = interop::InteropServiceClient::make(
      liar.uri() + "?transport=framed&timeout_ms=1000&max_retries=0&max_requeues=0");
  int64_t before = residentKiB();
  int64_t peak = before;
  std::vector<std::future<std::string>> calls;
  for (int i = 0; i < 16; ++i) calls.push_back(client.ping(asio::use_future));
  for (auto& call : calls) {
    // Each ends at its deadline; sampled every 5 ms meanwhile (bounded: 1,000 samples a call).
    for (int i = 0; i < 1000 && call.wait_for(5ms) != std::future_status::ready; ++i) {
      peak = std::max(peak, residentKiB());
    }
    EXPECT_THROW(call.get(), TimeoutError);
  }
  EXPECT_EQ(claims, 16);
  EXPECT_LT(peak - before, 32 * 1024)
      << "resident memory grew by " << (peak - before) / 1024 << " MiB for 16 claims of 16 MiB";
}

TEST(Failures, GarbageReplyIsProtocolError) {
  RawPeer garbage([](tcp::socket& s) {
    readRequest(s);
    const std::string junk("\x00\x00\x00\x08garbage!", 12);
    asio::write(s, asio::buffer(junk));
  });
  auto client = interop::InteropServiceClient::make(garbage.uri());
  EXPECT_THROW(client.ping(), ProtocolError);
}

TEST(Failures, DroppedConnectionIsConnectionErrorAndClientRecovers) {
  std::atomic<int> sessions{0};
  RawPeer flaky([&](tcp::socket& s) {
    readRequest(s);
    ++sessions;
    s.close();  // hang up instead of answering
  });
  auto client = interop::InteropServiceClient::make(flaky.uri());
  EXPECT_THROW(client.ping(), ConnectionError);
  // The broken connection was dropped: the next call opens a fresh one.
  EXPECT_THROW(client.ping(), ConnectionError);
  EXPECT_EQ(sessions, 2);
}

TEST(Failures, ClientStaysUsableAfterTimeouts) {
  InteropServer server;
  RawPeer silent([](tcp::socket&) {});
  auto slow = interop::InteropServiceClient::make(silent.uri() + "?timeout_ms=50");
  EXPECT_THROW(slow.ping(), TimeoutError);
  // The Mux handshake never completed, so the endpoint is marked dead: the next call times out
  // again or, once the mark is in, fails fast.
  try {
    slow.ping();
    ADD_FAILURE() << "ping succeeded";
  } catch (const TimeoutError&) {
  } catch (const UnavailableError&) {
  }
  auto good = interop::InteropServiceClient::make(server.uri() + "?timeout_ms=5000");
  EXPECT_EQ(good.ping(), "pong");
}

TEST(Failures, ServerSurvivesGarbageFromClients) {
  InteropServer server;
  {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), server.server->port()});
    const std::string junk("\x00\x00\x00\x05hello", 9);
    asio::write(s, asio::buffer(junk));
    // The server answers undecodable calls with a TApplicationException frame.
    unsigned char header[4];
    asio::read(s, asio::buffer(header));
    EXPECT_GT(header[3], 0);
  }
  auto client = interop::InteropServiceClient::make(server.uri());
  EXPECT_EQ(client.ping(), "pong");
}

}  // namespace
}  // namespace scales::testing

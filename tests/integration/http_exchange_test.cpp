// SPDX-License-Identifier: Apache-2.0
// The one-request HTTP exchange under the etcd:// and consul:// resolvers (discovery/
// http_exchange.h), against a scripted server on 127.0.0.1 that answers each connection with
// bytes chosen by the test: honest answers, streamed lines split anywhere, and hostile ones
// (an endless body, endless headers, an endless line, silence, a close mid-body).
#include "discovery/http_exchange.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using discovery::HttpExchange;
using discovery::HttpExchangeResult;
using namespace std::chrono_literals;

// Serves one connection at a time on its own thread: reads the request's head, then runs the
// script, which writes what it likes (blocking writes) and returns to close the connection.
class ScriptedPeer {
 public:
  using Script = std::function<void(tcp::socket&)>;
  explicit ScriptedPeer(Script script)
      : script_(std::move(script)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      while (!stopping_) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        asio::streambuf head;
        asio::read_until(socket, head, "\r\n\r\n", ec);
        if (ec) continue;
        {
          std::lock_guard lock(mutex_);
          request_head_ = std::string(asio::buffers_begin(head.data()),
                                      asio::buffers_begin(head.data()) + head.size());
        }
        try {
          script_(socket);
        } catch (const boost::system::system_error&) {
          // the client went away mid-script: that is what the hostile scripts expect
        }
      }
    });
  }
  ~ScriptedPeer() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wakes accept()
    thread_.join();
  }
  discovery::HostPort server() const { return {"127.0.0.1", acceptor_.local_endpoint().port()}; }
  std::string requestHead() const {
    std::lock_guard lock(mutex_);
    return request_head_;
  }

 private:
  Script script_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::string request_head_;  // guarded
  std::thread thread_;
};

void send(tcp::socket& socket, const std::string& bytes) {
  asio::write(socket, asio::buffer(bytes));
}

// One chunk of a chunked body.
std::string chunked(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

// Runs one exchange on a fresh io_context and returns what it reported, with the lines seen.
struct Outcome {
  std::optional<HttpExchangeResult> result;
  std::vector<std::string> lines;
};
Outcome run(const ScriptedPeer& peer, discovery::HttpExchangeRequest request, size_t max_body,
            bool streamed, Duration timeout = 5s) {
  asio::io_context io;
  Outcome outcome;
  auto exchange = HttpExchange::start(
      io.get_executor(), peer.server(), std::move(request), timeout, max_body,
      [&](HttpExchangeResult result) { outcome.result = std::move(result); },
      streamed
          ? HttpExchange::OnLine([&](std::string_view line) { outcome.lines.emplace_back(line); })
          : HttpExchange::OnLine());
  io.run_for(20s);  // ends when the exchange is done: nothing else is queued
  return outcome;
}

TEST(HttpExchange, BufferedAnswerWithHeadersInLowerCase) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 200 OK\r\nX-Consul-Index: 42\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  });
  auto out = run(peer, {"PUT", "/v1/x?index=3", "{\"b\":2}", {{"X-Token", "t"}}}, 1024, false);
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->error, "");
  EXPECT_EQ(out.result->status, 200u);
  EXPECT_EQ(out.result->header("x-consul-index"), "42");
  EXPECT_EQ(out.result->body, "{\"a\":1}");
  auto head = peer.requestHead();
  EXPECT_EQ(head.rfind("PUT /v1/x?index=3 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: application/json"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Token: t"), std::string::npos) << head;
}

TEST(HttpExchange, StreamedLinesArriveWholeHoweverTheBytesAreSplit) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    // Lines split across chunks and writes, a blank line, a last line without its newline.
    for (const char* piece : {"{\"a\":1", "}\n{\"b", "\":2}\n\n{\"c", "\":3}"}) {
      send(s, chunked(piece));
    }
    send(s, "0\r\n\r\n");
  });
  auto out = run(peer, {"POST", "/v3/watch", "{}", {}}, 1024, true);
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->error, "");
  EXPECT_EQ(out.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
}

TEST(HttpExchange, AnEndlessBodyStopsAtTheLimit) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
    std::string mebibyte(1 << 20, 'x');
    for (int i = 0; i < 1000; ++i) send(s, mebibyte);  // until the client hangs up
  });
  auto out = run(peer, {}, 256 * 1024, false);
  ASSERT_TRUE(out.result);
  EXPECT_NE(out.result->error.find("over 262144 bytes"), std::string::npos) << out.result->error;
  EXPECT_EQ(out.result->body, "") << "what was read is dropped";
}

TEST(HttpExchange, AnEndlessStreamedLineStopsAtTheLimit) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\"\n\r\n");
    std::string chunk = "100000\r\n" + std::string(1 << 20, 'x') + "\r\n";
    for (int i = 0; i < 1000; ++i) send(s, chunk);
  });
  auto out = run(peer, {}, 256 * 1024, true);
  ASSERT_TRUE(out.result);
  EXPECT_NE(out.result->error.find("a streamed line is over"), std::string::npos)
      << out.result->error;
  EXPECT_EQ(out.lines, std::vector<std::string>{"{\"a\""});
}

TEST(HttpExchange, EndlessHeadersAreRefused) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 200 OK\r\n");
    std::string header = "X-Filler: " + std::string(1000, 'y') + "\r\n";
    for (int i = 0; i < 10000; ++i) send(s, header);
  });
  auto out = run(peer, {}, 1024, false);
  ASSERT_TRUE(out.result);
  EXPECT_NE(out.result->error.find("reading the response"), std::string::npos) << out.result->error;
}

TEST(HttpExchange, ASilentServerTimesOut) {
  ScriptedPeer peer([](tcp::socket& s) {
    char byte;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&byte, 1), ec);  // holds the connection until the client closes it
  });
  auto started = Clock::now();
  auto out = run(peer, {}, 1024, false, 300ms);
  ASSERT_TRUE(out.result);
  EXPECT_NE(out.result->error, "");
  EXPECT_LT(Clock::now() - started, 3s);
}

TEST(HttpExchange, ACloseMidBodyIsAnError) {
  ScriptedPeer peer(
      [](tcp::socket& s) { send(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"); });
  auto out = run(peer, {}, 1024, false);
  ASSERT_TRUE(out.result);
  EXPECT_NE(out.result->error, "");
  EXPECT_EQ(out.result->body, "");
}

TEST(HttpExchange, AnErrorStatusIsBufferedEvenWhenStreaming) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 15\r\n\r\n{\"error\":\"no\"}\n");
  });
  auto out = run(peer, {}, 1024, true);
  ASSERT_TRUE(out.result);
  EXPECT_EQ(out.result->error, "");
  EXPECT_EQ(out.result->status, 503u);
  EXPECT_EQ(out.result->body, "{\"error\":\"no\"}\n");
  EXPECT_TRUE(out.lines.empty());
}

TEST(HttpExchange, NothingRunsAfterCancel) {
  ScriptedPeer peer([](tcp::socket& s) {
    send(s,
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
         "chunked\r\n\r\n4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n");
  });
  asio::io_context io;
  int lines = 0, done = 0;
  std::shared_ptr<HttpExchange> exchange;
  exchange = HttpExchange::start(
      io.get_executor(), peer.server(), {}, 5s, 1024, [&](HttpExchangeResult) { ++done; },
      [&](std::string_view) {
        ++lines;
        exchange->cancel();  // from inside a line: the second line must not come
      });
  io.run_for(10s);
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(done, 0);
}

TEST(HttpExchange, RefusedConnectionIsAnError) {
  asio::io_context io;
  tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
  discovery::HostPort server{"127.0.0.1", closed.local_endpoint().port()};
  closed.close();
  std::optional<HttpExchangeResult> result;
  auto exchange = HttpExchange::start(io.get_executor(), server, {}, 5s, 1024,
                                      [&](HttpExchangeResult r) { result = std::move(r); });
  io.run_for(10s);
  ASSERT_TRUE(result);
  EXPECT_NE(result->error.find("connecting"), std::string::npos) << result->error;
}

}  // namespace
}  // namespace scales::testing

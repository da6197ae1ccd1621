// SPDX-License-Identifier: Apache-2.0
// scales::http::Client against a real nginx on 127.0.0.1 (several server blocks as several
// endpoints) and, for faults nginx will not commit, a scripted Beast server.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>
#include <future>
#include <set>

#include "scales/http/client.h"
#include "support/fault_peer.h"
#include "support/http_peer.h"
#include "support/nginx_server.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string bytesOf(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return bytes;
}

TEST(Http, GetsStatusHeadersAndBodyFromNginx) {
  NginxServer nginx;
  auto client = http::Client::make("tcp://" + nginx.addresses());
  auto reply = client->get("/who");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.reason, "OK");
  EXPECT_EQ(reply.body, "server-0");
  EXPECT_EQ(reply.header("x-server"), "0");
  EXPECT_EQ(reply.header("Server").value_or("").substr(0, 5), "nginx");
  EXPECT_EQ(client->get("who").body, "server-0") << "a relative target is rooted at /";

  auto missing = client->get("/no/such/file");
  EXPECT_EQ(missing.status, 404);

  auto head = client->send(http::Request{"HEAD", "/who", {}, {}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("Content-Length"), "8");
  // The connection is still in step after a HEAD.
  EXPECT_EQ(client->get("/who").body, "server-0");
}

TEST(Http, KeepsConnectionsAlive) {
  NginxServer nginx;
  auto client = http::Client::make("tcp://" + nginx.addresses());
  auto first = client->get("/conn").body;
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client->get("/conn").body, first) << "request " << i;
}

TEST(Http, PostsAndEchoesBodies) {
  NginxServer nginx;
  auto client = http::Client::make("tcp://" + nginx.addresses());
  auto body = bytesOf(1 << 20);
  auto echoed = client->post("/echo", body, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body.size(), body.size());
  EXPECT_TRUE(echoed.body == body);
  auto put = client->send(http::Request{"PUT", "/echo", {}, "put body"});
  EXPECT_EQ(put.body, "put body");
  EXPECT_EQ(client->post("/created", "x").status, 201);
  EXPECT_EQ(client->post("/echo", "").body, "");
}

TEST(Http, ChunkedAndLargeBodies) {
  NginxServer nginx;
  auto big = bytesOf(8 << 20);
  nginx.writeStatic("big.bin", big);
  auto client = http::Client::make("tcp://" + nginx.addresses());
  auto chunked = client->get("/chunked");
  EXPECT_EQ(chunked.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(chunked.body, "part-1\npart-2\npart-3\n");
  auto large = client->get("/static/big.bin");
  EXPECT_EQ(large.status, 200);
  EXPECT_EQ(large.body.size(), big.size());
  EXPECT_TRUE(large.body == big);
}

TEST(Http, BalancesOverServerBlocks) {
  NginxServer nginx(3);
  auto client = http::Client::make("tcp://" + nginx.addresses() + "?balancer=round_robin");
  std::set<std::string> answered;
  for (int i = 0; i < 30; ++i)
    answered.insert(std::string(client->get("/who").header("X-Server").value_or("")));
  EXPECT_EQ(answered, (std::set<std::string>{"0", "1", "2"}));
}

TEST(Http, AsyncFormsTakeCompletionTokens) {
  NginxServer nginx;
  auto client = http::Client::make("tcp://" + nginx.addresses());
  std::vector<std::future<http::Response>> replies;
  for (int i = 0; i < 100; ++i) replies.push_back(client->get("/who", asio::use_future));
  for (auto& reply : replies) EXPECT_EQ(reply.get().body, "server-0");
  std::promise<int> status;
  client->post("/created", "x", [&](std::exception_ptr e, http::Response r) {
    status.set_value(e ? -1 : r.status);
  });
  EXPECT_EQ(status.get_future().get(), 201);
}

HttpPeer::Answer ok(const std::string& body, bool close = false) {
  return {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
              (close ? "Connection: close\r\n" : "") + "\r\n" + body,
          close};
}

TEST(Http, MalformedResponsesAreProtocolErrors) {
  HttpPeer peer([](const auto& request) -> HttpPeer::Answer {
    if (request.target() == "/garbage") return {"SMTP ready\r\n\r\n", false};
    if (request.target() == "/truncated") {
      return {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true};
    }
    if (request.target() == "/badchunk") {
      return {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false};
    }
    if (request.target() == "/huge") return ok(std::string(4096, 'x'));
    return ok("fine");
  });
  http::ClientOptions small;
  small.max_body_bytes = 1024;
  // (Failure accrual would mark the only endpoint dead after a few of these.)
  auto client = http::Client::make("tcp://" + peer.address() + "?accrual_failures=100", {}, small);
  EXPECT_THROW(client->get("/garbage"), ProtocolError);
  EXPECT_THROW(client->get("/truncated"), ProtocolError);
  EXPECT_THROW(client->get("/badchunk"), ProtocolError);
  try {
    client->get("/huge");
    FAIL() << "a body over max_body_bytes was accepted";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("body limit"), std::string::npos) << e.what();
  }
  // Each bad response cost its connection only; the client is fine.
  EXPECT_EQ(client->get("/fine").body, "fine");
}

TEST(Http, InterimResponsesAreReadPastAndNoResponseAnswersTheNextRequest) {
  HttpPeer peer([](const auto& request) -> HttpPeer::Answer {
    std::string target(request.target());
    if (target.rfind("/interim/", 0) == 0) {
      return {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" +
                  ok(target).bytes,
              false};
    }
    if (target == "/eof") return {"HTTP/1.1 200 OK\r\n\r\nto the end", true};  // no length
    if (target == "/099") return {"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", false};
    return ok(target);
  });
  auto client = http::Client::make("tcp://" + peer.address() + "?accrual_failures=100");
  // Each answer is its own request's, on one kept-alive connection, interim responses skipped.
  for (int i = 0; i < 3; ++i) {
    std::string target = "/interim/" + std::to_string(i);
    auto response = client->get(target);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, target);
  }
  EXPECT_EQ(peer.connections(), 1);
  // A body read to EOF retires its connection: the next request goes on a new one.
  EXPECT_EQ(client->get("/eof").body, "to the end");
  EXPECT_EQ(client->get("/after").body, "/after");
  EXPECT_EQ(peer.connections(), 2);
  EXPECT_THROW(client->get("/099"), ProtocolError);
  EXPECT_EQ(client->get("/fine").body, "/fine");
}

TEST(Http, AChunkedBodysTrailersJoinTheHeadersAndTheBodyStaysWhole) {
  HttpPeer peer([](const auto&) -> HttpPeer::Answer {
    return {
        "HTTP/1.1 201 Made\r\nTransfer-Encoding: chunked\r\nTrailer: Checksum\r\n"
        "X-First: 1\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\nChecksum: abc\r\n\r\n",
        false};
  });
  auto client = http::Client::make("tcp://" + peer.address());
  for (int i = 0; i < 2; ++i) {  // the second on the same connection: nothing was left unread
    auto response = client->get("/t");
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.reason, "Made");
    EXPECT_EQ(response.body, "hello, world");
    EXPECT_EQ(response.header("x-first").value_or(""), "1");
    EXPECT_EQ(response.header("checksum").value_or(""), "abc");
    ASSERT_FALSE(response.headers.empty());
    EXPECT_EQ(response.headers.back().first, "Checksum");
  }
  EXPECT_EQ(peer.connections(), 1);
}

TEST(Http, TrailersAreBoundedLikeTheHead) {
  std::string lines;
  while (lines.size() < 200 * 1024) lines += "X-Filler: " + std::to_string(lines.size()) + "\r\n";
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
  HttpPeer peer([&](const auto& request) -> HttpPeer::Answer {
    if (request.target() == "/long") {
      return {chunked + lines.substr(0, lines.find("\r\n", 4096) + 2) + "\r\n", false};
    }
    if (request.target() == "/endless") return {chunked + lines, false};  // no blank line: more?
    return ok("fine");
  });
  http::ClientOptions small;
  small.max_header_bytes = 1024;
  auto client = http::Client::make(
      "tcp://" + peer.address() + "?accrual_failures=100&timeout_ms=10000&max_retries=0", {},
      small);
  // 4 KiB of trailers against a 1 KiB limit; then 200 KiB that never end, refused once the read
  // buffer is full rather than held until the deadline.
  for (const char* target : {"/long", "/endless"}) {
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(client->get(target), ProtocolError) << target;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << target;
  }
  EXPECT_EQ(client->get("/fine").body, "fine");
}

// A server that answers one request with two responses in one write is out of step: the second,
// read with the first, must not answer the next request. The connection that read it is retired.
TEST(Http, BytesPastTheResponseRetireTheConnection) {
  HttpPeer peer([](const auto& request) -> HttpPeer::Answer {
    std::string target(request.target());
    if (target == "/double") return {ok(target).bytes + ok("/stray").bytes, false};
    return ok(target);
  });
  auto client = http::Client::make("tcp://" + peer.address() + "?accrual_failures=100");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client->get("/double").body, "/double");
    EXPECT_EQ(client->get("/next").body, "/next") << "the stray response answered the next call";
  }
  EXPECT_EQ(peer.connections(), 4);
}

TEST(Http, ConnectionCloseAndIdleClosesAreHandled) {
  HttpPeer peer([](const auto& request) { return ok("bye", request.target() == "/close"); });
  auto client = http::Client::make("tcp://" + peer.address());
  EXPECT_EQ(client->get("/close").body, "bye");
  EXPECT_EQ(client->get("/close").body, "bye");
  EXPECT_EQ(client->get("/stay").body, "bye");
  EXPECT_EQ(client->get("/stay").body, "bye");
  // Two closed after answering; the third connection stayed for the last two requests.
  EXPECT_EQ(peer.connections(), 3);
}

TEST(Http, IdempotentMethodsAreRetriedAndPostIsNot) {
  std::atomic<int> seen{0};
  // Every other request: the connection drops with no answer.
  HttpPeer peer([&](const auto&) -> HttpPeer::Answer {
    if (seen++ % 2 == 0) return {"", true};
    return ok("second try");
  });
  auto client = http::Client::make("tcp://" + peer.address());
  EXPECT_EQ(client->get("/x").body, "second try");
  EXPECT_EQ(seen, 2);
  EXPECT_THROW(client->post("/x", "once"), ConnectionError);
  EXPECT_EQ(seen, 3) << "a POST that may have reached the server was sent again";
}

TEST(Http, SilentServerTimesOut) {
  FaultPeer silent(FaultPeer::Fault::kSilent);
  auto client = http::Client::make("tcp://" + silent.address() + "?timeout_ms=200");
  auto start = Clock::now();
  EXPECT_THROW(client->get("/"), TimeoutError);
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(Http, BadRequestsAndUrisFailClearly) {
  NginxServer nginx;
  auto client = http::Client::make("tcp://" + nginx.addresses());
  EXPECT_THROW(client->get("/a b"), UsageError);
  EXPECT_THROW(client->get("/x", {{"X-Evil", "a\r\nInjected: 1"}}), UsageError);
  EXPECT_THROW(client->get("/x", {{"Bad Name", "v"}}), UsageError);
  EXPECT_THROW(client->send(http::Request{"G T", "/", {}, {}}), UsageError);
  EXPECT_THROW(http::Client::make("tcp://nohost"), ConfigError);
  EXPECT_THROW(http::Client::make("tcp://127.0.0.1:1?bogus=1"), ConfigError);
  // The client still works after refusing those.
  EXPECT_EQ(client->get("/who").status, 200);
}

}  // namespace
}  // namespace scales::testing

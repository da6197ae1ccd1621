// SPDX-License-Identifier: Apache-2.0
// The Mux client against a scripted peer: tags, contexts, out-of-order replies, discards, NACKs,
// leases, drains, server pings, fragments, and messages that must end the session.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "scales/core/errors.h"
#include "scales/mux/client.h"
#include "scales/thrift/client.h"
#include "support/mux_peer.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using namespace scales::mux;

// Sends raw payloads (no Thrift): the peer sees exactly what the client wrote.
struct RawCall {
  std::promise<Response> reply;
  std::future<Response> future = reply.get_future();
};

std::shared_ptr<RawCall> send(thrift::ThriftClient& client, const std::string& payload) {
  auto call = std::make_shared<RawCall>();
  Request request;
  request.method = "raw";
  request.payload = payload;
  client.asyncCall(std::move(request), [call](std::exception_ptr e, Response r) {
    if (e) return call->reply.set_exception(e);
    call->reply.set_value(std::move(r));
  });
  return call;
}

std::string contextValue(const Tdispatch& d, std::string_view key) {
  for (const auto& [k, v] : d.contexts) {
    if (k == key) return v;
  }
  return "<missing>";
}

TEST(MuxClient, TagsAreSmallestFreeFirstAndRepliesMatchInAnyOrder) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto a = send(*client, "a");
  auto conn = peer.accept();
  auto b = send(*client, "b");
  auto first = std::get<Tdispatch>(conn->read());
  auto second = std::get<Tdispatch>(conn->read());
  EXPECT_EQ(first.tag, 2u);
  EXPECT_EQ(first.body, "a");
  EXPECT_EQ(second.tag, 3u);
  // Finagle's contexts: a 16-byte deadline and a 32-byte trace context.
  EXPECT_EQ(contextValue(first, kDeadlineKey).size(), 16u);
  EXPECT_EQ(contextValue(first, kTraceKey).size(), 32u);
  conn->send(Rdispatch{3, ReplyStatus::kOk, {}, "reply-b"});
  conn->send(Rdispatch{2, ReplyStatus::kOk, {}, "reply-a"});
  EXPECT_EQ(b->future.get().payload, "reply-b");
  EXPECT_EQ(a->future.get().payload, "reply-a");
  // Both tags are free again: the smallest comes first.
  auto c = send(*client, "c");
  EXPECT_EQ(std::get<Tdispatch>(conn->read()).tag, 2u);
  conn->send(Rdispatch{2, ReplyStatus::kOk, {}, "reply-c"});
  EXPECT_EQ(c->future.get().payload, "reply-c");
}

TEST(MuxClient, CancelSendsTdiscardedAndKeepsTheTagUntilTheServerAnswers) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  asio::cancellation_signal cancel;
  std::promise<std::exception_ptr> outcome;
  Request request;
  request.payload = "slow";
  client->asyncCall(std::move(request), asio::bind_cancellation_slot(
                                            cancel.slot(), [&](std::exception_ptr e, Response) {
                                              outcome.set_value(e);
                                            }));
  auto conn = peer.accept();
  EXPECT_EQ(std::get<Tdispatch>(conn->read()).tag, 2u);
  asio::post(client->executor(), [&] { cancel.emit(asio::cancellation_type::terminal); });
  EXPECT_THROW(std::rethrow_exception(outcome.get_future().get()), CancelledError);
  auto discarded = std::get<Tdiscarded>(conn->read());
  EXPECT_EQ(discarded.discard_tag, 2u);
  // Tag 2 stays reserved until the server answers for it.
  auto next = send(*client, "next");
  EXPECT_EQ(std::get<Tdispatch>(conn->read()).tag, 3u);
  conn->send(Rdiscarded{2});
  conn->send(Rdispatch{3, ReplyStatus::kOk, {}, "ok"});
  EXPECT_EQ(next->future.get().payload, "ok");
  auto after = send(*client, "after");
  EXPECT_EQ(std::get<Tdispatch>(conn->read()).tag, 2u);
  conn->send(Rdispatch{2, ReplyStatus::kOk, {}, "ok"});
  after->future.get();
}

TEST(MuxClient, NackIsRequeuedThenReportedAsNackError) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri("?max_requeues=2"));
  auto call = send(*client, "x");
  auto conn = peer.accept();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto d = std::get<Tdispatch>(conn->read());
    EXPECT_EQ(d.body, "x");
    conn->send(Rdispatch{d.tag, ReplyStatus::kNack, {}, ""});
  }
  EXPECT_THROW(call->future.get(), NackError);
}

TEST(MuxClient, ErrorReplyAndRerrAreApplicationErrors) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto a = send(*client, "a");
  auto conn = peer.accept();
  auto d = std::get<Tdispatch>(conn->read());
  conn->send(Rdispatch{d.tag, ReplyStatus::kError, {}, "it broke"});
  try {
    a->future.get();
    ADD_FAILURE() << "no error";
  } catch (const ApplicationError& e) {
    EXPECT_NE(std::string(e.what()).find("it broke"), std::string::npos);
  }
  auto b = send(*client, "b");
  d = std::get<Tdispatch>(conn->read());
  conn->send(Rerr{d.tag, "no such thing"});
  EXPECT_THROW(b->future.get(), ApplicationError);
}

TEST(MuxClient, ServerPingIsAnsweredOnItsTag) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto call = send(*client, "x");
  auto conn = peer.accept();
  auto d = std::get<Tdispatch>(conn->read());
  conn->send(Tping{kControlTag});
  EXPECT_EQ(std::get<Rping>(conn->read()).tag, kControlTag);
  conn->send(Rdispatch{d.tag, ReplyStatus::kOk, {}, "ok"});
  call->future.get();
}

TEST(MuxClient, DrainIsAnsweredAndNewCallsMoveToAFreshSession) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto in_flight = send(*client, "old");
  auto old_conn = peer.accept();
  auto d = std::get<Tdispatch>(old_conn->read());
  old_conn->send(Tdrain{kControlTag});
  EXPECT_TRUE(std::holds_alternative<Rdrain>(old_conn->read()));
  // Once the client answered Rdrain it will not send on this session again.
  auto fresh = send(*client, "new");
  auto new_conn = peer.accept();
  auto nd = std::get<Tdispatch>(new_conn->read());
  EXPECT_EQ(nd.body, "new");
  new_conn->send(Rdispatch{nd.tag, ReplyStatus::kOk, {}, "new-ok"});
  // The drained session still delivers the call it had.
  old_conn->send(Rdispatch{d.tag, ReplyStatus::kOk, {}, "old-ok"});
  EXPECT_EQ(fresh->future.get().payload, "new-ok");
  EXPECT_EQ(in_flight->future.get().payload, "old-ok");
}

TEST(MuxClient, ExpiredLeaseMovesNewCallsToAFreshSession) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto first = send(*client, "first");
  auto conn = peer.accept();
  auto d = std::get<Tdispatch>(conn->read());
  conn->send(Rdispatch{d.tag, ReplyStatus::kOk, {}, "ok"});
  first->future.get();
  conn->send(Tlease{0, 0});  // a lease of 0 ms: expired at once
  conn->send(Tping{kControlTag});
  conn->read();  // the Rping: the client has seen the lease
  auto second = send(*client, "second");
  auto fresh = peer.accept();
  auto nd = std::get<Tdispatch>(fresh->read());
  EXPECT_EQ(nd.body, "second");
  fresh->send(Rdispatch{nd.tag, ReplyStatus::kOk, {}, "ok2"});
  EXPECT_EQ(second->future.get().payload, "ok2");
}

TEST(MuxClient, FragmentedReplyIsReassembled) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto call = send(*client, "x");
  auto conn = peer.accept();
  auto d = std::get<Tdispatch>(conn->read());
  std::string whole;
  std::string body(1000, 'z');
  body[0] = 'A';
  body[999] = 'Z';
  encode(Rdispatch{d.tag, ReplyStatus::kOk, {}, body}, whole);
  std::string fragments;
  appendFragmented(whole, 64, fragments);
  conn->sendRaw(fragments);
  EXPECT_EQ(call->future.get().payload, body);
}

TEST(MuxClient, FragmentsOnATagWithNoCallEndTheSessionWithProtocolError) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto call = send(*client, "x");
  auto conn = peer.accept();
  auto d = std::get<Tdispatch>(conn->read());
  // The first fragment of a reply on a tag the client never used: it may not park bytes there.
  std::string whole, fragments;
  encode(Rdispatch{d.tag + 1000, ReplyStatus::kOk, {}, std::string(1000, 'p')}, whole);
  appendFragmented(whole, 64, fragments);
  conn->sendRaw(fragments.substr(0, 64 + 8));
  try {
    call->future.get();
    FAIL() << "the session outlived a fragment on an unused tag";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("may not carry"), std::string::npos) << e.what();
  }
}

TEST(MuxClient, UnexpectedMessageEndsTheSessionWithProtocolError) {
  MuxPeer peer;
  auto client = thrift::ThriftClient::make(peer.uri());
  auto call = send(*client, "x");
  auto conn = peer.accept();
  conn->read();
  conn->send(Unknown{99, 5});
  EXPECT_THROW(call->future.get(), ProtocolError);
}

TEST(MuxClient, PingRttIsMeasured) {
  MuxPeer peer;
  asio::io_context io;
  ClientOptions options;
  options.ping_interval = std::chrono::milliseconds(1);
  auto factory = connectionFactory(
      {"127.0.0.1", static_cast<uint16_t>(std::stoi(peer.uri().substr(peer.uri().rfind(':') + 1)))},
      options, io.get_executor());
  std::shared_ptr<transport::Connection> session;
  factory->connect(Deadline::after(std::chrono::seconds(5)),
                   [&](std::exception_ptr e, std::shared_ptr<transport::Connection> c) {
                     ASSERT_FALSE(e);
                     session = std::move(c);
                   });
  std::thread io_thread([&] { io.run(); });
  auto conn = peer.accept();
  EXPECT_TRUE(std::holds_alternative<Tping>(conn->read()));
  conn->send(Rping{kControlTag});
  // The next ping is only scheduled after the Rping was handled, so its arrival proves it.
  EXPECT_TRUE(std::holds_alternative<Tping>(conn->read()));
  std::promise<std::optional<Duration>> rtt;
  asio::post(io, [&] { rtt.set_value(dynamic_cast<SessionInfo&>(*session).lastPingRtt()); });
  auto measured = rtt.get_future().get();
  ASSERT_TRUE(measured.has_value());
  EXPECT_GT(measured->count(), 0);
  asio::post(io, [&] {
    session->close();
    session.reset();
  });
  conn->close();
  io_thread.join();
}

}  // namespace
}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
// Pipelined framed Thrift never completes a call with another call's reply: against a server that
// answers a connection's calls out of order, the client sees the seqids disagree and fails the
// connection's calls (ProtocolError) instead; against the scales server, which answers in the
// order received however its handlers finish, every call gets its own reply.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "Echo.scales.h"
#include "scales/server/thrift_server.h"
#include "scales/transport/frame_stream.h"
#include "support/batching_echo.h"

namespace scales::testing {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

// A framed Thrift server that writes each reply the moment its handler answers, as the scales
// server did before it kept order: replies leave in completion order.
class CompletionOrderServer {
 public:
  explicit CompletionOrderServer(std::shared_ptr<server::Dispatcher> dispatcher)
      : dispatcher_(std::move(dispatcher)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      stream_.emplace(std::move(socket), 1 << 20);
      stream_->start(
          owner_,
          [this](std::string_view payload) {
            dispatcher_->dispatch(server::CallContext{io_.get_executor(), Deadline::infinite(), {}},
                                  std::string(payload), [this](std::string reply) {
                                    asio::post(io_, [this, reply = std::move(reply)] {
                                      transport::appendLengthPrefixed(stream_->outbox(), reply);
                                      stream_->flush();
                                    });
                                  });
          },
          [](std::exception_ptr) {});
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~CompletionOrderServer() {
    asio::post(io_, [this] {
      if (stream_) stream_->close();
      acceptor_.close();
    });
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  std::shared_ptr<server::Dispatcher> dispatcher_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
  std::optional<transport::FrameStream> stream_;
  std::thread thread_;
};

struct Outcome {
  int own = 0;       // completed with its own payload
  int foreign = 0;   // completed with any other bytes: must never happen
  int protocol = 0;  // failed with ProtocolError
  int other = 0;     // failed otherwise
};

Outcome callBatch(uint16_t port, int calls) {
  auto client = echo::EchoClient::make("tcp://127.0.0.1:" + std::to_string(port) +
                                       "?transport=framed&pipelined=true&timeout_ms=10000");
  Outcome outcome;
  std::mutex mutex;
  std::atomic<int> done{0};
  std::promise<void> all_done;
  for (int i = 0; i < calls; ++i) {
    std::string payload = "call-" + std::to_string(i);
    client.echo(payload, [&, payload](std::exception_ptr e, std::string reply) {
      {
        std::lock_guard lock(mutex);
        if (!e) {
          ++(reply == payload ? outcome.own : outcome.foreign);
        } else {
          try {
            std::rethrow_exception(e);
          } catch (const ProtocolError&) {
            ++outcome.protocol;
          } catch (...) {
            ++outcome.other;
          }
        }
      }
      if (++done == calls) all_done.set_value();
    });
  }
  EXPECT_EQ(all_done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  std::lock_guard lock(mutex);
  return outcome;
}

TEST(PipelinedOrder, RepliesOutOfOrderFailTheCallsInsteadOfAnsweringTheWrongOnes) {
  constexpr int kCalls = 8;
  CompletionOrderServer server(
      std::make_shared<echo::EchoDispatcher>(std::make_shared<BatchingEcho>(kCalls)));
  Outcome outcome = callBatch(server.port(), kCalls);
  EXPECT_EQ(outcome.foreign, 0);
  // The first reply to arrive is the last call's: its seqid is not the oldest call's, so the
  // connection fails and every call on it with it (echo is not idempotent: no retry).
  EXPECT_EQ(outcome.protocol, kCalls);
  EXPECT_EQ(outcome.own, 0);
}

TEST(PipelinedOrder, TheScalesServerAnswersInTheOrderReceived) {
  constexpr int kCalls = 64;
  server::ThriftServer server(
      std::make_shared<echo::EchoDispatcher>(std::make_shared<BatchingEcho>(kCalls)));
  server.start();
  Outcome outcome = callBatch(server.port(), kCalls);
  EXPECT_EQ(outcome.foreign, 0);
  EXPECT_EQ(outcome.own, kCalls);
}

}  // namespace
}  // namespace scales::testing

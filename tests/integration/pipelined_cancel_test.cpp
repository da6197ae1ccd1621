// SPDX-License-Identifier: Apache-2.0
// Cancelling a call on a pipelined connection (Redis, framed Thrift, Kafka) against a real
// loopback peer that never answers: the call fails once with CancelledError, and nothing is left
// in its cancellation slot. The slot is shared with the layers above (scales/core/service.h), so
// a handler left there would be reached by the next attempt's cancellation (a retry's attempt
// timeout, the deadline) and complete a call that was already over.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "scales/core/errors.h"
#include "transport/pipelined.h"

namespace scales::transport {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

Request request(std::string payload) {
  Request r;
  r.method = "a";
  r.payload = std::move(payload);
  return r;
}

struct Completions {
  int calls = 0;
  int cancelled = 0;
};

// A handler bound to `slot` that counts how its call ended.
auto counted(asio::cancellation_slot slot, Completions& completions) {
  return asio::bind_cancellation_slot(slot, [&completions](std::exception_ptr error, Response) {
    ++completions.calls;
    try {
      if (error) std::rethrow_exception(error);
    } catch (const CancelledError&) {
      ++completions.cancelled;
    } catch (...) {
    }
  });
}

// Runs `io` until `done()`, for at most 5 s.
template <class Done>
void runUntil(asio::io_context& io, Done done) {
  auto give_up = Clock::now() + 5s;
  while (!done() && Clock::now() < give_up) io.run_one_for(100ms);
}

TEST(PipelinedCancel, ACancelledCallEndsOnceAndLeavesNothingInItsSlot) {
  asio::io_context io;
  // The peer accepts and reads nothing back: every call stays pending until cancelled.
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(io);
  acceptor.async_accept(peer, [](boost::system::error_code) {});

  auto factory =
      pipelinedConnectionFactory(discovery::Endpoint{"127.0.0.1", acceptor.local_endpoint().port()},
                                 PipelinedOptions{}, io.get_executor());
  std::shared_ptr<Connection> connection;
  factory->connect(Deadline::after(5s),
                   [&connection](std::exception_ptr error, std::shared_ptr<Connection> c) {
                     ASSERT_FALSE(error);
                     connection = std::move(c);
                   });
  runUntil(io, [&] { return connection != nullptr; });
  ASSERT_TRUE(connection);

  // One signal for two attempts, as the retry filter's own signal is.
  asio::cancellation_signal attempts;
  Completions first;
  connection->call(request("one"), counted(attempts.slot(), first));
  attempts.emit(asio::cancellation_type::terminal);
  EXPECT_FALSE(attempts.slot().has_handler());       // cleared as the call was cancelled
  attempts.emit(asio::cancellation_type::terminal);  // reaches nothing
  runUntil(io, [&] { return first.calls > 0; });
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.cancelled, 1);

  // The next attempt on the same slot: cancelled once, the first call untouched.
  Completions second;
  connection->call(request("two"), counted(attempts.slot(), second));
  EXPECT_TRUE(attempts.slot().has_handler());
  attempts.emit(asio::cancellation_type::terminal);
  runUntil(io, [&] { return second.calls > 0; });
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.cancelled, 1);
  EXPECT_EQ(first.calls, 1);
  connection->close();
}

}  // namespace
}  // namespace scales::transport

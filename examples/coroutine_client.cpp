// SPDX-License-Identifier: Apache-2.0
// Async calls from a C++20 coroutine with asio::use_awaitable: the coroutine resumes on its own
// io_context, and declared exceptions are thrown at the co_await.
//   coroutine_client URI
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "ExampleService.scales.h"

namespace asio = boost::asio;

asio::awaitable<int> run(example::ExampleServiceClient& client) {
  example::Message msg;
  msg.__set_text("hello from a coroutine");
  example::Message reply = co_await client.passMessage(msg, asio::use_awaitable);
  std::cout << reply.text << "\n";
  try {
    co_await client.refuse("awaited", asio::use_awaitable);
  } catch (const example::Oops& oops) {
    std::cout << "refuse threw Oops: " << oops.why << "\n";
  }
  co_return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: coroutine_client URI\n";
    return 2;
  }
  auto client = example::ExampleServiceClient::make(argv[1]);
  asio::io_context io;
  int status = 1;
  asio::co_spawn(io, run(client), [&](std::exception_ptr error, int result) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
      }
      return;
    }
    status = result;
  });
  io.run();
  return status;
}

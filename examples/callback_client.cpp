// SPDX-License-Identifier: Apache-2.0
// Async calls with a plain callback: it runs on the client's thread with (error, result).
//   callback_client URI
#include <future>
#include <iostream>

#include "ExampleService.scales.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: callback_client URI\n";
    return 2;
  }
  auto client = example::ExampleServiceClient::make(argv[1]);
  example::Message msg;
  msg.__set_text("hello from a callback");
  std::promise<int> done;
  client.passMessage(msg, [&](std::exception_ptr error, example::Message reply) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
      }
      return done.set_value(1);
    }
    std::cout << reply.text << "\n";
    done.set_value(0);
  });
  return done.get_future().get();
}

// SPDX-License-Identifier: Apache-2.0
// Async calls with asio::use_future: many calls in flight at once, then collect the results.
//   future_client URI [calls]
#include <boost/asio/use_future.hpp>
#include <iostream>
#include <vector>

#include "ExampleService.scales.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: future_client URI [calls]\n";
    return 2;
  }
  int calls = argc > 2 ? std::stoi(argv[2]) : 8;
  auto client = example::ExampleServiceClient::make(argv[1]);
  std::vector<std::future<example::Message>> replies;
  for (int i = 0; i < calls; ++i) {
    example::Message msg;
    msg.__set_text("future #" + std::to_string(i));
    replies.push_back(client.passMessage(msg, boost::asio::use_future));
  }
  try {
    for (auto& reply : replies) std::cout << reply.get().text << "\n";
    auto refused = client.refuse("futures carry exceptions too", boost::asio::use_future);
    refused.get();
  } catch (const example::Oops& oops) {
    std::cout << "refuse threw Oops: " << oops.why << "\n";
  } catch (const scales::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

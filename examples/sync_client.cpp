// SPDX-License-Identifier: Apache-2.0
// Sync calls: each returns the result or throws the IDL's declared exception.
//   sync_client tcp://127.0.0.1:A,127.0.0.1:B [calls]
#include <iostream>
#include <map>

#include "ExampleService.scales.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sync_client URI [calls]\n";
    return 2;
  }
  int calls = argc > 2 ? std::stoi(argv[2]) : 6;
  try {
    auto client = example::ExampleServiceClient::make(argv[1]);
    std::map<std::string, int> answered_by;
    for (int i = 0; i < calls; ++i) {
      example::Message msg;
      msg.__set_text("hello #" + std::to_string(i));
      example::Message reply = client.passMessage(msg);
      std::cout << reply.text << "\n";
      // Any server may answer (this one may not tag its replies): count what the tag says.
      auto tag = reply.text.find("(from ");
      ++answered_by[tag == std::string::npos ? "(untagged)" : reply.text.substr(tag)];
    }
    std::cout << "spread:";
    for (const auto& [server, n] : answered_by) std::cout << " " << server << " x" << n;
    std::cout << "\n";
    try {
      client.refuse("no reason");
    } catch (const example::Oops& oops) {
      std::cout << "refuse threw Oops: " << oops.why << "\n";
    }
  } catch (const scales::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

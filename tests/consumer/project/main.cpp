// Serves Greeter and calls it through the installed scales package; prints the answer.
#include <iostream>

#include "Greeter.scales.h"
#include "scales/server/thrift_server.h"

struct Handler : tiny::GreeterHandler {
  std::string greet(const std::string& name) override { return "hello, " + name; }
};

int main() {
  scales::server::ThriftServer server(
      std::make_shared<tiny::GreeterDispatcher>(std::make_shared<Handler>()));
  server.start();
  auto client = tiny::GreeterClient::make("tcp://127.0.0.1:" + std::to_string(server.port()));
  std::string answer = client.greet("consumer");
  std::cout << answer << "\n";
  return answer == "hello, consumer" ? 0 : 1;
}

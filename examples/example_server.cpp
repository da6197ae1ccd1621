// SPDX-License-Identifier: Apache-2.0
// Serves ExampleService on 127.0.0.1:<port> (0 picks one), prints "listening on <port>", and runs
// until stdin closes or it gets SIGINT/SIGTERM.
//   example_server [port] [name]
#include <csignal>
#include <iostream>
#include <string>

#include "ExampleService.scales.h"
#include "scales/server/thrift_server.h"

namespace {

class Handler : public example::ExampleServiceHandler {
 public:
  explicit Handler(std::string name) : name_(std::move(name)) {}

  example::Message passMessage(const example::Message& msg) override {
    example::Message reply;
    reply.__set_text(msg.text + " (from " + name_ + ")");
    return reply;
  }

  void refuse(const std::string& why) override {
    example::Oops oops;
    oops.__set_why(why);
    throw oops;
  }

 private:
  std::string name_;
};

}  // namespace

int main(int argc, char** argv) {
  scales::server::ServerOptions options;
  options.port = static_cast<uint16_t>(argc > 1 ? std::stoi(argv[1]) : 0);
  std::string name = argc > 2 ? argv[2] : "server";
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the server's threads inherit the mask

  scales::server::ThriftServer server(
      std::make_shared<example::ExampleServiceDispatcher>(std::make_shared<Handler>(name)),
      options);
  server.start();
  std::cout << "listening on " << server.port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

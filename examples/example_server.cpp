// SPDX-License-Identifier: Apache-2.0
// Serves ExampleService on 127.0.0.1:<port> (0 picks one), prints "listening on <port>", and runs
// until it gets SIGINT/SIGTERM. With a certificate and key it serves TLS only; with a CA too,
// clients must present a certificate it signed (mutual TLS), and replies name the caller.
//   example_server [port] [name] [--tls-cert F --tls-key F [--tls-ca F] [--allow-plaintext]]
// docs/tls.md walks through a mutual-TLS setup with these and sync_client.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "ExampleService.scales.h"
#include "scales/server/call_deadline.h"
#include "scales/server/thrift_server.h"

namespace {

class Handler : public example::ExampleServiceHandler {
 public:
  explicit Handler(std::string name) : name_(std::move(name)) {}

  example::Message passMessage(const example::Message& msg) override {
    example::Message reply;
    // peerIdentity(): who the caller's verified certificate names (mutual TLS only).
    auto caller = scales::server::peerIdentity();
    reply.__set_text(msg.text + " (from " + name_ + (caller ? " to " + caller->name() : "") + ")");
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
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a file\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--tls-cert") {
      options.tls.cert = value();
    } else if (arg == "--tls-key") {
      options.tls.key = value();
    } else if (arg == "--tls-ca") {
      options.tls.client_ca = value();
    } else if (arg == "--allow-plaintext") {
      options.tls.allow_plaintext = true;
    } else {
      positional.push_back(arg);
    }
  }
  options.port = static_cast<uint16_t>(positional.size() > 0 ? std::stoi(positional[0]) : 0);
  std::string name = positional.size() > 1 ? positional[1] : "server";
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the server's threads inherit the mask

  scales::server::ThriftServer server(
      std::make_shared<example::ExampleServiceDispatcher>(std::make_shared<Handler>(name)),
      options);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "example_server: " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on " << server.port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}

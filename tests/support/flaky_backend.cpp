// SPDX-License-Identifier: Apache-2.0
// A Flaky server in its own process, for tests that kill -9 a backend:
//   flaky_backend PORT NAME [ANNOUNCE_URI SESSION_MS]
// (PORT 0: any) prints "listening <port>" once it accepts; with ANNOUNCE_URI it then announces
// 127.0.0.1:<port> there (scales::server::Announcer, that session timeout) and prints
// "announced <member>" once the registry holds it.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "flaky_handler.h"
#include "scales/server/announcer.h"
#include "scales/server/thrift_server.h"
#include "stop_signals.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::cerr << "usage: flaky_backend PORT NAME [ANNOUNCE_URI SESSION_MS]\n";
    return 2;
  }
  sigset_t signals = scales::testing::blockStopSignals();
  auto port = static_cast<uint16_t>(std::stoi(argv[1]));
  auto handler = std::make_shared<scales::testing::FlakyHandler>(argv[2]);
  scales::server::ThriftServer server(std::make_shared<flaky::FlakyDispatcher>(handler),
                                      scales::server::ServerOptions{.port = port});
  server.start();
  std::cout << "listening " << server.port() << std::endl;
  std::unique_ptr<scales::server::Announcer> announcer;
  if (argc == 5) {
    scales::server::AnnouncerOptions options;
    options.session_timeout = std::chrono::milliseconds(std::stoi(argv[4]));
    announcer = std::make_unique<scales::server::Announcer>(
        argv[3], scales::discovery::Endpoint{"127.0.0.1", server.port()}, options);
    if (!announcer->waitAnnounced(std::chrono::seconds(30))) {
      std::cerr << "flaky_backend: not announced within 30 s\n";
      return 1;
    }
    std::cout << "announced " << announcer->memberPath() << std::endl;
  }
  scales::testing::waitForStopSignal(signals);
  announcer.reset();  // unannounce before draining, as a server should
  handler->stop();
  return 0;
}

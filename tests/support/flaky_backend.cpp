// SPDX-License-Identifier: Apache-2.0
// A Flaky server in its own process, for tests that kill -9 a backend:
//   flaky_backend PORT NAME    (PORT 0: any) prints "listening <port>" once it accepts.
#include <iostream>
#include <string>

#include "flaky_handler.h"
#include "scales/server/thrift_server.h"
#include "stop_signals.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: flaky_backend PORT NAME\n";
    return 2;
  }
  sigset_t signals = scales::testing::blockStopSignals();
  auto port = static_cast<uint16_t>(std::stoi(argv[1]));
  auto handler = std::make_shared<scales::testing::FlakyHandler>(argv[2]);
  scales::server::ThriftServer server(std::make_shared<flaky::FlakyDispatcher>(handler),
                                      scales::server::ServerOptions{.port = port});
  server.start();
  std::cout << "listening " << server.port() << std::endl;
  scales::testing::waitForStopSignal(signals);
  handler->stop();
  return 0;
}

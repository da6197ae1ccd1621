// SPDX-License-Identifier: Apache-2.0
// The stock Apache Thrift 0.17 peers: TNonblockingServer (framed, binary, processing on its one
// I/O thread), TThreadedServer (framed, binary, a thread per connection), per-thread sync
// clients, and one ConcurrentClient shared by all caller threads.
#include <thrift/concurrency/ThreadFactory.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TNonblockingServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#include <thrift/transport/TServerSocket.h>
#include <thrift/transport/TSocket.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <thread>

#include "Bench.h"
#include "measure.h"

namespace scales::bench {
namespace {
using namespace apache::thrift;

class Echo : public bench_stock::BenchIf {
 public:
  void echo(std::string& out, const std::string& payload) override { out = payload; }
};

// Prints the port the server listens on (bound to port 0) once it is listening.
class AnnouncePort : public server::TServerEventHandler {
 public:
  explicit AnnouncePort(std::function<int()> port) : port_(std::move(port)) {}
  void preServe() override { std::cout << "PORT " << port_() << std::endl; }

 private:
  std::function<int()> port_;
};

std::shared_ptr<protocol::TProtocol> connect(uint16_t port) {
  auto socket = std::make_shared<transport::TSocket>("127.0.0.1", port);
  socket->setNoDelay(true);
  auto framed = std::make_shared<transport::TFramedTransport>(socket);
  framed->open();
  return std::make_shared<protocol::TBinaryProtocol>(framed);
}

}  // namespace

int runThriftNonblockingServer() {
  auto socket = std::make_shared<transport::TNonblockingServerSocket>("127.0.0.1", 0);
  server::TNonblockingServer server(
      std::make_shared<bench_stock::BenchProcessor>(std::make_shared<Echo>()),
      std::make_shared<protocol::TBinaryProtocolFactory>(), socket);
  server.setNumIOThreads(1);
  server.setServerEventHandler(
      std::make_shared<AnnouncePort>([socket] { return socket->getListenPort(); }));
  std::thread serving([&] { server.serve(); });
  waitForStopAndReportCpu();
  server.stop();
  serving.join();
  return 0;
}

int runThriftThreadedServer() {
  auto socket = std::make_shared<transport::TServerSocket>("127.0.0.1", 0);
  server::TThreadedServer server(
      std::make_shared<bench_stock::BenchProcessor>(std::make_shared<Echo>()), socket,
      std::make_shared<transport::TFramedTransportFactory>(),
      std::make_shared<protocol::TBinaryProtocolFactory>());
  // TServerSocket learns the port the kernel chose when it listens.
  server.setServerEventHandler(
      std::make_shared<AnnouncePort>([socket] { return socket->getPort(); }));
  std::thread serving([&] { server.serve(); });
  waitForStopAndReportCpu();
  server.stop();
  serving.join();
  return 0;
}

LoadResult runThriftSyncClients(const LoadSpec& spec, LatencyLog& log) {
  const std::string payload = makePayload(spec.payload);
  return runThreads(spec, log, [&] {
    auto client = std::make_shared<bench_stock::BenchClient>(connect(spec.port));
    return [client, &payload] {
      std::string out;
      client->echo(out, payload);
    };
  });
}

LoadResult runThriftConcurrentClient(const LoadSpec& spec, LatencyLog& log) {
  const std::string payload = makePayload(spec.payload);
  auto sync = std::make_shared<async::TConcurrentClientSyncInfo>();
  auto shared = std::make_shared<bench_stock::BenchConcurrentClient>(connect(spec.port), sync);
  return runThreads(spec, log, [&] {
    return [shared, &payload] {
      std::string out;
      shared->echo(out, payload);
    };
  });
}

}  // namespace scales::bench

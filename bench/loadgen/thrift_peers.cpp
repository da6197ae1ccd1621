// SPDX-License-Identifier: Apache-2.0
// The stock Apache Thrift 0.17 peers: TNonblockingServer (framed, binary, processing on its one
// I/O thread), per-thread sync clients, and one ConcurrentClient shared by all caller threads.
#include <thrift/concurrency/ThreadFactory.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TNonblockingServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#include <thrift/transport/TSocket.h>

#include <atomic>
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

class AnnouncePort : public server::TServerEventHandler {
 public:
  explicit AnnouncePort(std::shared_ptr<transport::TNonblockingServerSocket> socket)
      : socket_(std::move(socket)) {}
  void preServe() override { std::cout << "PORT " << socket_->getListenPort() << std::endl; }

 private:
  std::shared_ptr<transport::TNonblockingServerSocket> socket_;
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
  server.setServerEventHandler(std::make_shared<AnnouncePort>(socket));
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

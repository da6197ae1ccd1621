// SPDX-License-Identifier: Apache-2.0
// A stock Apache Thrift server for InteropService: TThreadedServer, TFramedTransport, binary or
// compact protocol. Prints "PORT <n>" once listening on 127.0.0.1, then serves until killed.
//   stock_thrift_server [binary|compact]
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "InteropService.h"
#include "sample_values.h"

using namespace apache::thrift;

namespace {

class Handler : public interop::InteropServiceIf {
 public:
  void ping(std::string& out) override { out = "pong"; }
  void echo(interop::Everything& out, const interop::Everything& v) override { out = v; }
  void echoPrimitives(interop::Primitives& out, const interop::Primitives& v) override { out = v; }
  int64_t add(const int32_t a, const int64_t b) override { return interop::samples::add(a, b); }
  double scale(const double x, const int8_t f) override { return interop::samples::scale(x, f); }
  bool invert(const bool v) override { return !v; }
  void concat(std::string& out, const std::string& a, const std::string& b) override {
    out = interop::samples::concat(a, b);
  }
  void split(std::vector<std::string>& out, const std::string& t, const std::string& s) override {
    out = interop::samples::split(t, s);
  }
  void unique(std::set<int32_t>& out, const std::vector<int32_t>& v) override {
    out = interop::samples::unique(v);
  }
  void count(std::map<std::string, int32_t>& out, const std::vector<std::string>& w) override {
    out = interop::samples::count(w);
  }
  interop::Color::type nextColor(const interop::Color::type c) override {
    return static_cast<interop::Color::type>(interop::samples::nextColor(c));
  }
  int64_t later(const int64_t stamp, const int32_t s) override {
    return interop::samples::later(stamp, s);
  }
  void choose(interop::Choice& out, const int32_t which) override {
    out = interop::samples::choose(which);
  }
  void nothing() override {}
  void fail(const int32_t code) override { interop::samples::fail(code); }
  void lookup(std::string& out, const std::string& key) override {
    out = interop::samples::lookup(key);
  }
  void record(const std::string&) override { ++recorded_; }
  int32_t recorded() override { return recorded_; }
  void crash(const std::string& message) override { throw std::runtime_error(message); }

 private:
  std::atomic<int32_t> recorded_{0};
};

class AnnouncePort : public server::TServerEventHandler {
 public:
  explicit AnnouncePort(std::shared_ptr<transport::TServerSocket> socket)
      : socket_(std::move(socket)) {}
  void preServe() override { std::cout << "PORT " << socket_->getPort() << std::endl; }

 private:
  std::shared_ptr<transport::TServerSocket> socket_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string protocol = argc > 1 ? argv[1] : "binary";
  std::shared_ptr<protocol::TProtocolFactory> protocols;
  if (protocol == "binary") {
    protocols = std::make_shared<protocol::TBinaryProtocolFactory>();
  } else if (protocol == "compact") {
    protocols = std::make_shared<protocol::TCompactProtocolFactory>();
  } else {
    std::cerr << "usage: stock_thrift_server [binary|compact]\n";
    return 2;
  }
  auto socket = std::make_shared<transport::TServerSocket>("127.0.0.1", 0);
  server::TThreadedServer server(
      std::make_shared<interop::InteropServiceProcessor>(std::make_shared<Handler>()), socket,
      std::make_shared<transport::TFramedTransportFactory>(), protocols);
  server.setServerEventHandler(std::make_shared<AnnouncePort>(socket));
  server.serve();
  return 0;
}

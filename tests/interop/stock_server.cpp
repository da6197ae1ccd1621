// SPDX-License-Identifier: Apache-2.0
// A stock Apache Thrift server for InteropService: TThreadedServer, TFramedTransport, binary or
// compact protocol. Prints "PORT <n>" once listening on 127.0.0.1, then serves until killed.
// With --tls-cert and --tls-key it listens with TSSLServerSocket (TLS only); --tls-ca with
// --require-client-cert makes every client present a certificate that CA signed (mutual TLS).
//   stock_thrift_server [binary|compact] [--tls-cert F --tls-key F [--tls-ca F
//                       --require-client-cert]]
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLServerSocket.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TServerSocket.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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

constexpr const char* kUsage =
    "usage: stock_thrift_server [binary|compact] [--tls-cert F --tls-key F [--tls-ca F "
    "--require-client-cert]]\n";

}  // namespace

int main(int argc, char** argv) {
  std::string protocol = "binary";
  std::string tls_cert, tls_key, tls_ca;
  bool require_client_cert = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if (arg == "--tls-cert" && has_value) {
      tls_cert = args[++i];
    } else if (arg == "--tls-key" && has_value) {
      tls_key = args[++i];
    } else if (arg == "--tls-ca" && has_value) {
      tls_ca = args[++i];
    } else if (arg == "--require-client-cert") {
      require_client_cert = true;
    } else if (i == 0 && arg.rfind("--", 0) != 0) {
      protocol = arg;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  std::shared_ptr<protocol::TProtocolFactory> protocols;
  if (protocol == "binary") {
    protocols = std::make_shared<protocol::TBinaryProtocolFactory>();
  } else if (protocol == "compact") {
    protocols = std::make_shared<protocol::TCompactProtocolFactory>();
  } else {
    std::cerr << kUsage;
    return 2;
  }
  if (tls_cert.empty() != tls_key.empty() || (require_client_cert && tls_ca.empty()) ||
      (tls_cert.empty() && (!tls_ca.empty() || require_client_cert))) {
    std::cerr << kUsage;
    return 2;
  }
  std::shared_ptr<transport::TServerSocket> socket;
  if (tls_cert.empty()) {
    socket = std::make_shared<transport::TServerSocket>("127.0.0.1", 0);
  } else {
    // TLS 1.2 or later. No AccessManager is set: with one, a server's TSSLSocket refuses every
    // client without a certificate; the CA's chain check (--require-client-cert) is the policy.
    // OpenSSL writes with write(2), not send(MSG_NOSIGNAL) as TSocket does: a peer that has
    // closed would kill this process with SIGPIPE instead of failing the write.
    std::signal(SIGPIPE, SIG_IGN);
    auto tls = std::make_shared<transport::TSSLSocketFactory>(transport::SSLTLS);
    tls->server(true);
    tls->loadCertificate(tls_cert.c_str());
    tls->loadPrivateKey(tls_key.c_str());
    if (!tls_ca.empty()) tls->loadTrustedCertificates(tls_ca.c_str());
    tls->authenticate(require_client_cert);
    socket = std::make_shared<transport::TSSLServerSocket>("127.0.0.1", 0, tls);
  }
  server::TThreadedServer server(
      std::make_shared<interop::InteropServiceProcessor>(std::make_shared<Handler>()), socket,
      std::make_shared<transport::TFramedTransportFactory>(), protocols);
  server.setServerEventHandler(std::make_shared<AnnouncePort>(socket));
  server.serve();
  return 0;
}

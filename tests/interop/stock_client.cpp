// SPDX-License-Identifier: Apache-2.0
// A stock Apache Thrift client (TFramedTransport, binary or compact) that calls every
// InteropService method on 127.0.0.1:<port> and checks each answer. Prints one line per failed
// check and exits 1, or prints "OK <n> checks" and exits 0. With --tls-ca it connects with
// TSSLSocket (TLS 1.2 or later), verifying the server's chain against that CA and its name
// against 127.0.0.1; --tls-cert and --tls-key present a client certificate.
//   stock_thrift_client <port> [binary|compact] [--tls-ca F [--tls-cert F --tls-key F]]
#include <thrift/TApplicationException.h>
#include <thrift/TToString.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TSocket.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "InteropService.h"
#include "sample_values.h"

using namespace apache::thrift;
namespace samples = interop::samples;

namespace {

int checks = 0;
int failures = 0;

void check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::cout << "FAIL: " << what << std::endl;
  }
}

void run(interop::InteropServiceClient& client) {
  std::string s;
  client.ping(s);
  check(s == "pong", "ping");

  // Thrift's generated read() leaves optional fields of a reused struct set, so every answer
  // goes into a fresh one.
  interop::Everything full;
  client.echo(full, samples::everything());
  check(full == samples::everything(), "echo(everything)");
  interop::Everything sparse;
  client.echo(sparse, samples::sparse());
  check(sparse == samples::sparse(), "echo(sparse): got " + apache::thrift::to_string(sparse));
  check(sparse.defaults.answer == 42 && sparse.defaults.greeting == "hello",
        "IDL defaults survive");

  interop::Primitives p;
  client.echoPrimitives(p, samples::primitives(1));
  check(p == samples::primitives(1), "echoPrimitives");
  check(client.add(-3, 1LL << 40) == samples::add(-3, 1LL << 40), "add");
  check(client.scale(1.25, -3) == samples::scale(1.25, -3), "scale");
  check(client.invert(false) == true, "invert");
  client.concat(s, "ab", samples::allBytes());
  check(s == samples::concat("ab", samples::allBytes()), "concat");
  std::vector<std::string> parts;
  client.split(parts, "a,b,,c", ",");
  check(parts == samples::split("a,b,,c", ","), "split");
  std::set<int32_t> set;
  client.unique(set, {3, 1, 3, 2});
  check(set == samples::unique({3, 1, 3, 2}), "unique");
  std::map<std::string, int32_t> counts;
  client.count(counts, {"x", "y", "x"});
  check(counts == samples::count({"x", "y", "x"}), "count");
  check(client.nextColor(interop::Color::BLUE) == interop::Color::RED, "nextColor");
  check(client.later(1000, 2) == samples::later(1000, 2), "later");
  interop::Choice c;
  client.choose(c, 2);
  check(c == samples::choose(2), "choose");
  client.nothing();
  check(true, "nothing");

  try {
    client.fail(1);
    check(false, "fail(1) throws Invalid");
  } catch (const interop::Invalid& ex) {
    check(ex.code == 1 && ex.reason == "one", "fail(1) Invalid fields");
  }
  try {
    client.fail(2);
    check(false, "fail(2) throws NotFound");
  } catch (const interop::shared::NotFound& ex) {
    check(ex.key == "two", "fail(2) NotFound fields");
  }
  client.fail(0);
  check(true, "fail(0) returns");
  client.lookup(s, "key");
  check(s == samples::lookupValue("key"), "lookup found");
  try {
    client.lookup(s, "nope");
    check(false, "lookup(nope) throws");
  } catch (const interop::shared::NotFound& ex) {
    check(ex.key == "nope", "lookup NotFound key");
  }
  int before = client.recorded();
  client.record("one");
  client.record("two");
  // A server may run oneway calls concurrently with later calls, so ask until both are counted
  // (bounded: each ask is a round trip).
  int seen = before;
  for (int i = 0; i < 10000 && seen < before + 2; ++i) seen = client.recorded();
  check(seen == before + 2, "record (oneway) reaches the server");
  try {
    client.crash("boom");
    check(false, "crash throws");
  } catch (const TApplicationException& ex) {
    check(ex.getType() == TApplicationException::INTERNAL_ERROR &&
              std::string(ex.what()).find("boom") != std::string::npos,
          "crash is INTERNAL_ERROR carrying the message");
  }
}

constexpr const char* kUsage =
    "usage: stock_thrift_client <port> [binary|compact] [--tls-ca F [--tls-cert F --tls-key "
    "F]]\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string protocol_name = "binary";
  std::string tls_ca, tls_cert, tls_key;
  std::vector<std::string> args(argv + 2, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if (arg == "--tls-ca" && has_value) {
      tls_ca = args[++i];
    } else if (arg == "--tls-cert" && has_value) {
      tls_cert = args[++i];
    } else if (arg == "--tls-key" && has_value) {
      tls_key = args[++i];
    } else if (i == 0 && arg.rfind("--", 0) != 0) {
      protocol_name = arg;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (tls_cert.empty() != tls_key.empty() || (!tls_cert.empty() && tls_ca.empty())) {
    std::cerr << kUsage;
    return 2;
  }
  const int port = std::stoi(argv[1]);
  // Declared before the socket it makes: a TSSLSocket must not outlive its factory.
  std::shared_ptr<transport::TSSLSocketFactory> tls;
  std::shared_ptr<transport::TSocket> socket;
  try {
    if (tls_ca.empty()) {
      socket = std::make_shared<transport::TSocket>("127.0.0.1", port);
    } else {
      // OpenSSL writes with write(2), not send(MSG_NOSIGNAL) as TSocket does: a peer that has
      // closed would kill this process with SIGPIPE instead of failing the write.
      std::signal(SIGPIPE, SIG_IGN);
      tls = std::make_shared<transport::TSSLSocketFactory>(transport::SSLTLS);
      tls->loadTrustedCertificates(tls_ca.c_str());
      tls->authenticate(true);  // verify the server's chain; the default AccessManager its name
      if (!tls_cert.empty()) {
        tls->loadCertificate(tls_cert.c_str());
        tls->loadPrivateKey(tls_key.c_str());
      }
      socket = tls->createSocket("127.0.0.1", port);
    }
  } catch (const std::exception& e) {
    std::cout << "FAIL: TLS setup: " << e.what() << std::endl;
    return 1;
  }
  socket->setRecvTimeout(10000);
  auto framed = std::make_shared<transport::TFramedTransport>(socket);
  std::shared_ptr<protocol::TProtocol> protocol;
  if (protocol_name == "compact") {
    protocol = std::make_shared<protocol::TCompactProtocol>(framed);
  } else {
    protocol = std::make_shared<protocol::TBinaryProtocol>(framed);
  }
  interop::InteropServiceClient client(protocol);
  try {
    framed->open();
    run(client);
  } catch (const std::exception& e) {
    std::cout << "FAIL: exception " << e.what() << std::endl;
    return 1;
  }
  if (failures > 0) return 1;
  std::cout << "OK " << checks << " checks" << std::endl;
  return 0;
}

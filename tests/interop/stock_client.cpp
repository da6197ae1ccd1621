// SPDX-License-Identifier: Apache-2.0
// A stock Apache Thrift client (TFramedTransport, binary or compact) that calls every
// InteropService method on 127.0.0.1:<port> and checks each answer. Prints one line per failed
// check and exits 1, or prints "OK <n> checks" and exits 0.
//   stock_thrift_client <port> [binary|compact]
#include <thrift/TApplicationException.h>
#include <thrift/TToString.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <iostream>
#include <memory>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: stock_thrift_client <port> [binary|compact]\n";
    return 2;
  }
  std::string protocol_name = argc > 2 ? argv[2] : "binary";
  auto socket = std::make_shared<transport::TSocket>("127.0.0.1", std::stoi(argv[1]));
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

// SPDX-License-Identifier: Apache-2.0
// The scales-call command line against real servers on 127.0.0.1: a stock Apache Thrift server
// (framed, binary and compact) and the scales server (Mux and framed). Every InteropService
// method is called with JSON arguments and its JSON answer checked; the Everything value (every
// type of the interop IDL) goes out as JSON and must come back as the same JSON; declared
// exceptions, failures, -v traces, --list, --describe and load mode are checked as a user sees
// them: exit status, standard output and standard error.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "codec/thrift_to_json.h"
#include "integration/interop_handler.h"
#include "interop/sample_values.h"
#include "schema/idl_reader.h"
#include "support/child_process.h"
#include "support/fault_peer.h"
#include "support/test_certs.h"

extern char** environ;

namespace scales::testing {
namespace {
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kIdl = SCALES_SOURCE_DIR "/tests/idl/interop.thrift";

struct Ran {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// scales-call started with `args`, writing both streams to files.
struct Spawned {
  pid_t pid = -1;
  fs::path dir;
};

Spawned spawnScalesCall(const std::vector<std::string>& args) {
  static int serial = 0;
  Spawned spawned;
  spawned.dir = fs::temp_directory_path() /
                ("scales_call_test." + std::to_string(getpid()) + "." + std::to_string(++serial));
  fs::create_directories(spawned.dir);
  std::string out = (spawned.dir / "out").string(), err = (spawned.dir / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> argv{SCALES_CALL};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  if (posix_spawn(&spawned.pid, raw[0], &actions, nullptr, raw.data(), environ) != 0) {
    spawned.pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return spawned;
}

// Waits for its exit (killing it after `limit`) and reads what it printed.
Ran finish(const Spawned& spawned, std::chrono::seconds limit = std::chrono::seconds(60)) {
  Ran ran;
  if (spawned.pid < 0) {
    ran.err = "cannot start scales-call";
    return ran;
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(spawned.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(spawned.pid, SIGKILL);
      waitpid(spawned.pid, &status, 0);
      ran.err = "scales-call ran past its limit";
      fs::remove_all(spawned.dir);
      return ran;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ran.out = slurp(spawned.dir / "out");
  ran.err = slurp(spawned.dir / "err");
  fs::remove_all(spawned.dir);
  return ran;
}

Ran scalesCall(const std::vector<std::string>& args) { return finish(spawnScalesCall(args)); }

json parsed(const Ran& ran) {
  try {
    return json::parse(ran.out);
  } catch (const json::exception&) {
    ADD_FAILURE() << "not JSON: " << ran.out << "\nstderr: " << ran.err;
    return nullptr;
  }
}

// The sample Everything in scales-call's JSON form, as Thrift's generated code writes it.
json everythingJson() {
  static const scales::call::Schema schema = scales::call::readIdl({kIdl, {}, ""});
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocolT<apache::thrift::transport::TMemoryBuffer> proto(
      buffer);
  interop::samples::everything().write(&proto);
  auto ordered =
      scales::call::ThriftToJson<decltype(proto)>(schema, proto)
          .value({scales::call::TypeRef::Kind::kStruct, "interop.Everything", {}, {}}, 0);
  return json::parse(ordered.dump());
}

// Every method, as a user calls it, with the answers interop/sample_values.h defines.
void callEveryMethod(const std::string& uri) {
  auto call = [&uri](const std::string& method, const json& args) {
    return scalesCall({uri, kIdl, "InteropService." + method, args.dump()});
  };
  auto expect = [&](const std::string& method, const json& args, const json& answer) {
    Ran ran = call(method, args);
    EXPECT_EQ(ran.status, 0) << method << ": " << ran.err;
    EXPECT_EQ(parsed(ran), answer) << method;
  };
  json everything = everythingJson();
  expect("echo", {{"value", everything}}, everything);
  expect("ping", json::object(), "pong");
  expect("add", {{"a", 2000000000}, {"b", "9007199254740993"}}, "9007201254740993");
  expect("scale", {{"x", 1.5}, {"factor", -2}}, -3.0);
  expect("invert", {{"value", true}}, false);
  expect("concat", {{"a", "ab"}, {"b", "Y2Q="}}, "abcd");
  expect("split", {{"text", "a,b,,c"}, {"sep", ","}}, json({"a", "b", "", "c"}));
  expect("unique", {{"values", {3, 1, 3, 2}}}, json({1, 2, 3}));
  expect("count", {{"words", {"x", "y", "x"}}}, json({{"x", 2}, {"y", 1}}));
  expect("nextColor", {{"color", "GREEN"}}, "BLUE");
  expect("later", {{"stamp", 1000}, {"seconds", 2}}, 3000);
  expect("choose", {{"which", 1}}, json({{"word", "seven"}}));
  expect("nothing", json::object(), nullptr);
  expect("lookup", {{"key", "k1"}}, "value-k1");
  expect("record", {{"event", "e"}}, nullptr);  // oneway: nothing comes back

  Ran invalid = call("fail", {{"code", 1}});
  EXPECT_EQ(invalid.status, 2) << invalid.err;  // a declared exception, by type name
  EXPECT_EQ(parsed(invalid), json({{"interop.Invalid", {{"code", 1}, {"reason", "one"}}}}));
  Ran missing = call("lookup", {{"key", "x"}});
  EXPECT_EQ(missing.status, 2) << missing.err;
  EXPECT_EQ(parsed(missing), json({{"shared.NotFound", {{"key", "x"}}}}));
  Ran crashed = call("crash", {{"message", "boom"}});
  EXPECT_EQ(crashed.status, 3);  // a TApplicationException: the call failed
  EXPECT_NE(crashed.err.find("ApplicationError"), std::string::npos) << crashed.err;
}

TEST(ScalesCall, EveryMethodAgainstAStockThriftServer) {
  for (std::string protocol : {"binary", "compact"}) {
    ChildProcess server({STOCK_SERVER, protocol});
    auto line = server.readLine(std::chrono::seconds(20));
    ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock server did not start";
    SCOPED_TRACE(protocol);
    callEveryMethod("tcp://127.0.0.1:" + line->substr(5) +
                    "?transport=framed&protocol=" + protocol);
  }
}

TEST(ScalesCall, EveryMethodAgainstTheScalesServer) {
  InteropServer server;
  callEveryMethod(server.uri());                                         // Mux, binary
  callEveryMethod(server.uri() + "?transport=framed&protocol=compact");  // framed, compact
  // Each run's oneway record() reached the handler (nothing answers it, so it is awaited here).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.handler->recorded() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a oneway call has no reply
  }
  EXPECT_EQ(server.handler->recorded(), 2);
}

TEST(ScalesCall, CallsOverTlsWithTheUrisTlsKeys) {
  TestCerts certs;
  ChildProcess server(
      {STOCK_SERVER, "binary", "--tls-cert", certs.server().cert, "--tls-key", certs.server().key});
  auto line = server.readLine(std::chrono::seconds(20));
  ASSERT_TRUE(line && line->rfind("PORT ", 0) == 0) << "stock TLS server did not start";
  std::string uri = "tcp://127.0.0.1:" + line->substr(5) + "?transport=framed&tls=true";
  Ran verified = scalesCall({uri + "&tls_ca=" + certs.ca(), kIdl, "InteropService.ping"});
  EXPECT_EQ(verified.status, 0) << verified.err;
  EXPECT_EQ(parsed(verified), "pong");
  // A server its CA does not vouch for is refused, and says why.
  Ran refused = scalesCall(
      {uri + "&tls_ca=" + certs.otherCa() + "&max_requeues=0", kIdl, "InteropService.ping"});
  EXPECT_EQ(refused.status, 3);
  EXPECT_NE(refused.err.find("certificate"), std::string::npos) << refused.err;
}

TEST(ScalesCall, WrongJsonIsRefusedWithItsPathBeforeAnythingIsSent) {
  InteropServer server;
  Ran ran = scalesCall(
      {server.uri(), kIdl, "InteropService.echoPrimitives", R"({"value": {"tiny": "big"}})"});
  EXPECT_EQ(ran.status, 1);
  EXPECT_EQ(ran.err, "scales-call: at value.tiny: expected i8 (-128 to 127), got \"big\"\n");
  EXPECT_EQ(server.handler->calls, 0);
  Ran unknown = scalesCall({server.uri(), kIdl, "InteropService.nope", "{}"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("has no function nope"), std::string::npos) << unknown.err;
  Ran not_json = scalesCall({server.uri(), kIdl, "InteropService.add", "{a: 1}"});
  EXPECT_EQ(not_json.status, 1);
  EXPECT_NE(not_json.err.find("the arguments are not JSON"), std::string::npos) << not_json.err;
}

TEST(ScalesCall, VerbosePrintsTheSignatureAndEveryAttempt) {
  InteropServer server;
  Ran ran = scalesCall({"-v", server.uri(), kIdl, "InteropService.add", R"({"a": 1, "b": 2})"});
  EXPECT_EQ(ran.status, 0) << ran.err;
  EXPECT_EQ(parsed(ran), 3);
  EXPECT_NE(ran.err.find("i64 add(1: i32 a, 2: i64 b)"), std::string::npos) << ran.err;
  EXPECT_NE(
      ran.err.find("attempts: [1 attempt: 127.0.0.1:" + std::to_string(server.server->port())),
      std::string::npos)
      << ran.err;
}

TEST(ScalesCall, ListAndDescribeShowTheIdl) {
  Ran list = scalesCall({"--list", kIdl});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("service interop.InteropService extends shared.BaseService"),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("  string ping()  (from shared.BaseService)"), std::string::npos);
  EXPECT_NE(list.out.find("  oneway void record(1: string event)"), std::string::npos);
  Ran type = scalesCall({"--describe", kIdl, "Choice"});
  EXPECT_EQ(type.status, 0) << type.err;
  // Thrift makes every field of a union optional.
  EXPECT_NE(type.out.find("union interop.Choice {\n  1: optional i32 number\n  2: optional string "
                          "word\n  3: optional shared.Point point\n}"),
            std::string::npos)
      << type.out;
  Ran defaults = scalesCall({"--describe", kIdl, "Defaults"});
  EXPECT_NE(defaults.out.find("  3: i32 answer = 42\n  4: string greeting = \"hello\"\n"),
            std::string::npos)
      << defaults.out;
  Ran function = scalesCall({"--describe", kIdl, "InteropService.add"});
  EXPECT_EQ(function.status, 0) << function.err;
  EXPECT_NE(function.out.find("\"a\": 0"), std::string::npos) << function.out;
}

TEST(ScalesCall, ClosedLoopLoadSpreadsOverEndpointsAndReportsJson) {
  InteropServer a, b;
  std::string uri = "tcp://127.0.0.1:" + std::to_string(a.server->port()) +
                    ",127.0.0.1:" + std::to_string(b.server->port()) + "?balancer=round_robin";
  Ran ran = scalesCall({"--load", "-c", "8", "-n", "400", "-d", "30s", "--json", uri, kIdl,
                        "InteropService.add", R"({"a": 1, "b": 2})"});
  ASSERT_EQ(ran.status, 0) << ran.err;
  json report = parsed(ran);
  EXPECT_EQ(report["mode"], "closed");
  EXPECT_EQ(report["calls"], 400);
  EXPECT_EQ(report["succeeded"], 400);
  EXPECT_EQ(report["endpoints"].size(), 2u);
  // Round robin alternates (within one call, should the set be rebuilt meanwhile).
  EXPECT_NEAR(report["endpoints"]["127.0.0.1:" + std::to_string(a.server->port())].get<int>(), 200,
              1);
  EXPECT_EQ(a.handler->calls + b.handler->calls, 400);
  auto latency = report["latency_us"];
  EXPECT_LE(latency["p50"], latency["p99"]);
  EXPECT_LE(latency["p99"], latency["max"]);
  uint64_t histogram_total = 0;
  for (const auto& bucket : report["histogram"]) histogram_total += bucket["count"].get<uint64_t>();
  EXPECT_EQ(histogram_total, 400u);
}

TEST(ScalesCall, OpenLoopLoadCountsDeclaredExceptionsAsErrorsByType) {
  InteropServer server;
  Ran ran = scalesCall({"--load", "--rate", "400", "-n", "200", "-d", "30s", "--json", server.uri(),
                        kIdl, "InteropService.fail", R"({"code": 1})"});
  // Every call threw a declared exception: none succeeded.
  EXPECT_EQ(ran.status, 3) << ran.err;
  json report = parsed(ran);
  EXPECT_EQ(report["mode"], "open");
  EXPECT_EQ(report["calls"], 200);
  EXPECT_EQ(report["errors"], json({{"interop.Invalid", 200}}));
  // 200 calls at 400/s take about half a second: the loop paced them.
  EXPECT_GE(report["elapsed_s"].get<double>(), 0.45);
}

// A server that never answers: the open loop keeps its schedule, calls wait for free slots, and
// the report shows the stall as latency from when each call was due, with the calls that never
// found a slot counted, instead of the few calls that went.
TEST(ScalesCall, OpenLoopReportsAStallAsEveryCallerWouldHaveSeenIt) {
  FaultPeer hung(FaultPeer::Fault::kSilent);
  Ran ran = scalesCall({"--load", "--rate", "100", "-c", "5", "-d", "1s", "--json",
                        "tcp://" + hung.address() + "?transport=framed&timeout_ms=300", kIdl,
                        "InteropService.ping"});
  EXPECT_EQ(ran.status, 3) << ran.err;  // nothing returned
  json report = parsed(ran);
  EXPECT_EQ(report["calls"], 100);  // every call due in the second: sent or not
  EXPECT_EQ(report["succeeded"], 0);
  EXPECT_GE(report["errors"]["TimeoutError"].get<int>(), 5);
  EXPECT_GE(report["unsent"].get<int>(), 50);
  EXPECT_EQ(report["errors"]["unsent (every slot of -c taken)"], report["unsent"]);
  EXPECT_GT(report["late"].get<int>(), 0);
  // Most callers waited at least one timeout: the median says so.
  EXPECT_GE(report["latency_us"]["p50"].get<int>(), 300000);
}

TEST(ScalesCall, InterruptedLoadStopsStartingCallsAndStillReports) {
  InteropServer server;
  Spawned load = spawnScalesCall(
      {"--load", "-c", "4", "-d", "60s", "--json", server.uri(), kIdl, "InteropService.ping"});
  // Interrupted once the server has seen calls (bounded: the run would last a minute).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.handler->calls < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling another process
  }
  ASSERT_GE(server.handler->calls, 100);
  ::kill(load.pid, SIGINT);
  Ran ran = finish(load, std::chrono::seconds(20));
  ASSERT_EQ(ran.status, 0) << ran.err;
  json report = parsed(ran);
  EXPECT_LT(report["elapsed_s"].get<double>(), 30);
  // Every call that started was answered and counted.
  EXPECT_EQ(report["calls"], server.handler->calls.load());
  EXPECT_EQ(report["succeeded"], report["calls"]);
}

TEST(ScalesCall, TheTextReportHasPercentilesAHistogramAndEndpoints) {
  InteropServer server;
  Ran ran =
      scalesCall({"--load", "-c", "2", "-n", "50", server.uri(), kIdl, "InteropService.ping"});
  EXPECT_EQ(ran.status, 0) << ran.err;
  for (const char* part : {"closed loop, 2 in flight", "calls:      50 in", "p99 ", "p999 ",
                           "histogram:\n", "endpoints:\n  127.0.0.1:"}) {
    EXPECT_NE(ran.out.find(part), std::string::npos) << part << " in\n" << ran.out;
  }
}

}  // namespace
}  // namespace scales::testing

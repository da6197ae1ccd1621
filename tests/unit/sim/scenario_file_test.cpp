// SPDX-License-Identifier: Apache-2.0
// scales-sim's scenario files: the shipped examples are the built-in scenarios, a written
// scenario reads back the same, and every kind of mistake is refused with the JSON path of the
// offending value (the message a user sees, so the tests pin it exactly).
#include "sim/scenario_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/builtin_scenarios.h"

namespace scales::sim {
namespace {

std::string shipped(const std::string& name) {
  return std::string(SCALES_SOURCE_DIR) + "/tools/sim/scenarios/" + name;
}

// The message parseScenario throws for `json` ("" when it parses).
std::string errorOf(const std::string& json) {
  try {
    parseScenario(json);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

void expectSame(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(writeScenario(a), writeScenario(b));  // a readable difference
  EXPECT_TRUE(a == b);                            // and every field, to the last bit
}

TEST(SimScenarioFile, ShippedFilesAreTheBuiltInScenarios) {
  expectSame(readScenarioFile(shipped("slow_backend.json")), slowBackendScenario());
  expectSame(readScenarioFile(shipped("cold_join.json")), coldJoinScenario());
  expectSame(readScenarioFile(shipped("capacity_drop.json")), capacityDropScenario());
}

TEST(SimScenarioFile, EveryShippedFileReads) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SCALES_SOURCE_DIR) +
                                                               "/tools/sim/scenarios")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    EXPECT_NO_THROW(readScenarioFile(entry.path().string())) << entry.path();
  }
  EXPECT_GE(files, 4);
}

// The example in docs/tools.md ("## scales-sim", its first ```json block) is the shipped
// deploy.json, so the documented file is one that runs.
TEST(SimScenarioFile, TheDocumentedExampleIsTheShippedOne) {
  std::ifstream in(std::string(SCALES_SOURCE_DIR) + "/docs/tools.md");
  ASSERT_TRUE(in) << "docs/tools.md not found";
  std::string line, json;
  bool section = false, block = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) section = line == "## scales-sim";
    if (!section) continue;
    if (block && line == "```") break;
    if (block) json += line + "\n";
    if (line == "```json") block = true;
  }
  ASSERT_FALSE(json.empty()) << "no ```json block under ## scales-sim in docs/tools.md";
  expectSame(parseScenario(json), readScenarioFile(shipped("deploy.json")));
}

TEST(SimScenarioFile, WrittenScenariosReadBackTheSame) {
  BuiltinOptions odd;
  odd.seconds = 40;  // events at 13.333... s
  odd.backends = 7;
  odd.seed = 18446744073709551615ull;
  odd.slow_start_s = 2.5;
  for (const Scenario& s : {slowBackendScenario(odd), coldJoinScenario(odd),
                            capacityDropScenario(odd), readScenarioFile(shipped("deploy.json"))}) {
    expectSame(parseScenario(writeScenario(s)), s);
  }
}

TEST(SimScenarioFile, AMinimalFileTakesTheDefaults) {
  Scenario s = parseScenario(R"({"backends": {"count": 3}})");
  ASSERT_EQ(s.backends.size(), 3u);
  EXPECT_EQ(s.backends[2], (BackendSpec{.workers = 8, .latency_ms = 10, .present = true}));
  EXPECT_EQ(s.duration_s, 60);
  EXPECT_EQ(s.clients, 4);
  EXPECT_EQ(s.rate, 4000);
  EXPECT_TRUE(s.policies.empty());  // every registered balancer
  EXPECT_EQ(runVariants(s).size(), 1u);
  EXPECT_EQ(watchedBackend(s), -1);
}

TEST(SimScenarioFile, BackendsAsAListWithCountsAndLatencyCycles) {
  Scenario s = parseScenario(R"({"backends": [
      {"count": 2, "workers": 4, "latency_ms": [5, 7]},
      {"workers": 16, "latency_ms": 20, "present": false}]})");
  ASSERT_EQ(s.backends.size(), 3u);
  EXPECT_EQ(s.backends[0].latency_ms, 5);
  EXPECT_EQ(s.backends[1].latency_ms, 7);
  EXPECT_EQ(s.backends[1].workers, 4);
  EXPECT_EQ(s.backends[2], (BackendSpec{.workers = 16, .latency_ms = 20, .present = false}));
}

TEST(SimScenarioFile, EventsAreInTimeOrderSimultaneousOnesAsWritten) {
  Scenario s = parseScenario(R"({"backends": {"count": 2}, "events": [
      {"at": 9, "rate": 100},
      {"at": 3, "backend": 1, "leave": true},
      {"at": 3, "backend": 0, "workers": 2},
      {"at": 5, "backend": 1, "join": true}]})");
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[0].kind, ChangeKind::kLeave);
  EXPECT_EQ(s.events[1].kind, ChangeKind::kWorkers);
  EXPECT_EQ(s.events[2].kind, ChangeKind::kJoin);
  EXPECT_EQ(s.events[3].kind, ChangeKind::kRate);
  EXPECT_EQ(watchedBackend(s), 1);  // the first backend an event names
}

TEST(SimScenarioFile, VariantsStartFromTheClientsSettings) {
  Scenario s = parseScenario(R"({"backends": {"count": 2},
      "clients": {"max_concurrency": 8, "slow_start_window_ms": 500},
      "variants": [{"name": "a"}, {"name": "b", "max_concurrency": 0}]})");
  ASSERT_EQ(s.variants.size(), 2u);
  EXPECT_EQ(s.variants[0].clients.max_concurrency, 8u);
  EXPECT_EQ(s.variants[1].clients.max_concurrency, 0u);
  EXPECT_EQ(s.variants[1].clients.slow_start_window_ms, 500);
}

TEST(SimScenarioFile, WrongTypesNameThePath) {
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 0, "latency_factor": 3},
                {"at": "2", "backend": 0, "latency_factor": 1}]})"),
            "scenario.events[1].at: expected a number, got a string");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2, "workers": 2.5}})"),
            "scenario.backends.workers: expected an integer, got 2.5");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2, "present": 1}})"),
            "scenario.backends.present: expected true or false, got a number");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "clients": []})"),
            "scenario.clients: expected an object, got an array");
  EXPECT_EQ(errorOf(R"({"backends": 3})"),
            "scenario.backends: expected an object (a count of alike backends) or an array of "
            "backends, got a number");
  EXPECT_EQ(errorOf(R"({"backends": [{"latency_ms": 4}, {"latency_ms": [3, "x"]}]})"),
            "scenario.backends[1].latency_ms[1]: expected a number, got a string");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "policies": "p2c"})"),
            "scenario.policies: expected an array, got a string");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "seed": -1})"),
            "scenario.seed: expected an integer of at least 0, got -1");
  EXPECT_EQ(errorOf(R"([1, 2])"), "scenario: expected an object, got an array");
}

TEST(SimScenarioFile, UnknownKeysAreRefused) {
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "colour": "red"})"),
            "scenario.colour: unknown key (expected one of: name, description, duration, seed, "
            "clients, backends, events, policies, variants, watch, checks)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "clients": {"cuont": 3}})"),
            "scenario.clients.cuont: unknown key (expected one of: count, rate, "
            "slow_start_window_ms, max_concurrency, adaptive_concurrency, "
            "adaptive_initial_limit)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [{"at": 1, "rate": 5, "why": 1}]})"),
            "scenario.events[0].why: unknown key (expected one of: at, backend, latency_factor, "
            "over, workers, join, leave, rate)");
  // A key that is not an identifier is quoted in the path.
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "my key": 1})").substr(0, 36),
            "scenario[\"my key\"]: unknown key (exp");
}

TEST(SimScenarioFile, DuplicateKeysAreRefused) {
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2, "count": 3}})"),
            "scenario.backends.count: duplicate key");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [{"at": 1, "rate": 5},
                {"at": 1, "rate": 5, "at": 2}]})"),
            "scenario.events[1].at: duplicate key");
}

TEST(SimScenarioFile, MissingAndOutOfRangeValues) {
  EXPECT_EQ(errorOf(R"({"duration": 10})"),
            "scenario.backends: missing (a count of alike backends, or a list of backends)");
  EXPECT_EQ(errorOf(R"({"backends": {"workers": 2}})"),
            "scenario.backends.count: missing (how many backends)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [{"backend": 0, "workers": 1}]})"),
            "scenario.events[0].at: missing (the event's time, in seconds from the start)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "duration": 0})"),
            "scenario.duration: must be above 0 and at most 3600, got 0");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 0}})"),
            "scenario.backends.count: must be between 1 and 1000, got 0");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "clients": {"rate": -5}})"),
            "scenario.clients.rate: must be above 0 and at most 10000000, got -5");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "watch": 2})"),
            "scenario.watch: must be between 0 and 1, got 2");
}

TEST(SimScenarioFile, EventsMustMakeSense) {
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 3, "latency_factor": 2}]})"),
            "scenario.events[0].backend: backend 3 does not exist (the scenario has 2: 0 to 1)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 0, "latency_factor": 2, "workers": 3}]})"),
            "scenario.events[0]: expected exactly one change: latency_factor, workers, join, "
            "leave or rate");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [{"at": 1, "backend": 0}]})"),
            "scenario.events[0]: expected exactly one change: latency_factor, workers, join, "
            "leave or rate");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 0, "workers": 3, "over": 2}]})"),
            "scenario.events[0].over: only a latency_factor change takes place over time");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 0, "rate": 30}]})"),
            "scenario.events[0].backend: a rate change is the clients', not a backend's");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 1, "backend": 0, "leave": false}]})"),
            "scenario.events[0].leave: expected true (leave the key out for no change)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 5, "backend": 0, "join": true}]})"),
            "scenario.events[0]: backend 0 is already in service at 5 s (a backend that joins "
            "starts with \"present\": false or leaves first)");
  // In time order, not file order: the leave at 2 s comes before the join at 4 s.
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "events": [
                {"at": 4, "backend": 1, "join": true},
                {"at": 2, "backend": 1, "leave": true},
                {"at": 6, "backend": 1, "leave": true},
                {"at": 7, "backend": 1, "leave": true}]})"),
            "scenario.events[3]: backend 1 is not in service at 7 s");
}

TEST(SimScenarioFile, PoliciesVariantsAndChecksMustExist) {
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "policies": ["p2c", "fastest"]})").substr(0, 61),
            "scenario.policies[1]: unknown balancer 'fastest' (valid: aper");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "policies": ["p2c", "p2c"]})"),
            "scenario.policies[1]: 'p2c' is listed twice");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "variants": [{"name": "a"}, {"name": "a"}]})"),
            "scenario.variants[1].name: 'a' is used twice");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "variants": [{"max_concurrency": 3}]})"),
            "scenario.variants[0].name: missing (the variant's name)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "variants": [{"name": "a/b"}]})"),
            "scenario.variants[0].name: expected a non-empty name without '/'");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "variants": [{"name": "a"}, {"name": "b"}],
                "checks": [{"metric": "p99", "run": "p2c", "below": "random/a"}]})"),
            "scenario.checks[0].run: name a variant too: p2c/<a, b>");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2},
                "checks": [{"metric": "p99", "run": "p2c/x", "below": "random"}]})"),
            "scenario.checks[0].run: the scenario has no variants: name the policy alone");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2}, "variants": [{"name": "a"}],
                "checks": [{"metric": "p99", "run": "p2c/a", "below": "random/b"}]})"),
            "scenario.checks[0].below: unknown variant 'b' (variants: a)");
  EXPECT_EQ(errorOf(R"({"backends": {"count": 2},
                "checks": [{"metric": "p95", "run": "p2c", "below": "random"}]})"),
            "scenario.checks[0].metric: unknown metric 'p95' (valid: p50, p99, p999, max_share, "
            "min_share, watched_p99, watched_share, watched_max_queue, refused)");
}

TEST(SimScenarioFile, SyntaxErrorsSayWhere) {
  std::string error = errorOf("{\"backends\": {\"count\": 2},\n \"seed\": 1,\n}");
  EXPECT_EQ(error.rfind("invalid JSON: parse error at line 3, column 1: ", 0), 0u) << error;
}

TEST(SimScenarioFile, FileErrorsNameTheFile) {
  const std::string missing = ::testing::TempDir() + "/no_such_scenario.json";
  std::string error;
  try {
    readScenarioFile(missing);
  } catch (const ScenarioError& e) {
    error = e.what();
  }
  EXPECT_EQ(error, missing + ": cannot open (No such file or directory)");

  const std::string bad = ::testing::TempDir() + "/sim_bad_scenario.json";
  std::ofstream(bad) << R"({"backends": {"count": 2}, "duration": "long"})";
  try {
    readScenarioFile(bad);
    ADD_FAILURE() << "read a bad file";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()), bad + ": scenario.duration: expected a number, got a string");
  }
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace scales::sim

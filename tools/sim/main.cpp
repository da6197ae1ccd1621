// SPDX-License-Identifier: Apache-2.0
// scales-sim: compares the scales balancers on a scenario (a file, or one built in) by
// deterministic discrete-event simulation, printing a table per policy and, with --svg, a chart
// of latency over time. The flags without --scenario keep the simulator's original scenarios
// (slow backend, --cold-join, --capacity-drop) and their checks, which the test suite runs.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "scales/balancer/balancers.h"
#include "sim/builtin_scenarios.h"
#include "sim/engine.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/scenario_file.h"
#include "sim/svg_chart.h"

namespace {

int usageError(const std::string& what) {
  std::fprintf(stderr, "scales-sim: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scales::sim;
  BuiltinOptions builtin;
  std::string scenario_file, svg_path, y_scale = "auto";
  std::vector<std::string> policies;
  bool check = false, cold_join = false, capacity_drop = false, print_scenario = false;
  double percentile = 99, bucket_s = 1;

  CLI::App app{
      "Deterministic discrete-event simulation of the scales balancers on a scenario: a table per "
      "policy and, with --svg, a chart of latency over time. Without --scenario: backend 0 of 10 "
      "gets 10x slower from 15 s to 45 s (or --cold-join, --capacity-drop)."};
  auto* scenario_opt = app.add_option("--scenario", scenario_file,
                                      "scenario file (JSON; docs/tools.md, tools/sim/scenarios/)");
  auto* cold_opt = app.add_flag(
      "--cold-join", cold_join,
      "backend 0 joins mid-run with cold caches: each policy without and with slow start");
  auto* drop_opt = app.add_flag("--capacity-drop", capacity_drop,
                                "backend 0 loses capacity mid-run: each policy without, with a "
                                "static and with an adaptive concurrency limit");
  scenario_opt->excludes(cold_opt)->excludes(drop_opt);
  cold_opt->excludes(drop_opt);
  app.add_option("--svg", svg_path, "also write a chart of latency over time per policy (SVG)");
  app.add_option("--policies", policies, "balancers to simulate (a,b,c; default: the scenario's)")
      ->delimiter(',');
  auto* seconds_opt = app.add_option("--seconds", builtin.seconds, "simulated seconds")
                          ->check(CLI::Range(1.0, 3600.0));
  auto* seed_opt = app.add_option("--seed", builtin.seed, "seed of every random choice");
  app.add_flag("--check", check, "exit 1 unless every check of the scenario holds");
  app.add_flag("--print-scenario", print_scenario,
               "print the scenario as a scenario file (a start for your own) and exit");
  app.add_option("--percentile", percentile, "the latency percentile the chart shows")
      ->check(CLI::Range(1.0, 100.0));
  app.add_option("--bucket", bucket_s, "seconds per point of the chart")
      ->check(CLI::Range(0.01, 3600.0));
  app.add_option("--y-scale", y_scale,
                 "the chart's latency axis: auto (log for wide ranges), "
                 "linear or log")
      ->check(CLI::IsMember({"auto", "linear", "log"}));
  // The built-in scenarios' knobs (a scenario file says these itself, so they exclude it).
  for (auto* o : {
           app.add_option("--backends", builtin.backends, "backends (8-12 ms in turn)")
               ->check(CLI::Range(2, 1000)),
           app.add_option("--clients", builtin.clients, "clients, each with its own balancer")
               ->check(CLI::Range(1, 1000)),
           app.add_option("--workers", builtin.workers, "calls a backend serves at once")
               ->check(CLI::Range(1, 100000)),
           app.add_option("--rate", builtin.rate, "calls per second over all clients")
               ->check(CLI::PositiveNumber),
           app.add_option("--slow-factor", builtin.slow_factor,
                          "how much slower backend 0 gets mid-run")
               ->check(CLI::PositiveNumber),
           app.add_option("--slow-start", builtin.slow_start_s,
                          "the slow start window for --cold-join (seconds)")
               ->check(CLI::PositiveNumber),
       }) {
    o->excludes(scenario_opt);
  }
  CLI11_PARSE(app, argc, argv);

  Scenario scenario;
  try {
    if (!scenario_file.empty()) {
      scenario = readScenarioFile(scenario_file);
      if (*seconds_opt) scenario.duration_s = builtin.seconds;
      if (*seed_opt) scenario.seed = builtin.seed;
    } else if (cold_join) {
      scenario = coldJoinScenario(builtin);
    } else if (capacity_drop) {
      scenario = capacityDropScenario(builtin);
    } else {
      scenario = slowBackendScenario(builtin);
    }
  } catch (const ScenarioError& e) {
    return usageError(e.what());
  }
  const auto& registry = scales::balancer::balancerRegistry();
  if (!policies.empty()) {
    for (const auto& p : policies) {
      if (!registry.contains(p)) {
        return usageError("--policies: unknown balancer '" + p + "' (valid: " + registry.names() +
                          ")");
      }
    }
    scenario.policies = policies;
  }
  if (print_scenario) {
    std::fputs(writeScenario(scenario).c_str(), stdout);
    return 0;
  }

  const SeriesOptions series{.bucket_s = bucket_s, .percentile = percentile / 100};
  const std::vector<std::string> run_policies =
      scenario.policies.empty() ? registry.list() : scenario.policies;
  printScenario(stdout, scenario);
  Table table(scenario);
  table.printHeader(stdout);
  std::vector<RunResult> runs;
  for (const auto& policy : run_policies) {
    for (const auto& variant : runVariants(scenario)) {
      runs.push_back(simulate(scenario, policy, variant, series));
      table.printRow(stdout, runs.back());
    }
  }
  const int failures = printChecks(stdout, scenario, runs);

  if (!svg_path.empty()) {
    const YScale scale = y_scale == "log"      ? YScale::kLog
                         : y_scale == "linear" ? YScale::kLinear
                                               : YScale::kAuto;
    std::ofstream out(svg_path, std::ios::binary | std::ios::trunc);
    out << latencyChart(scenario, runs, series, scale);
    out.close();
    if (!out) return usageError("cannot write " + svg_path);
    std::fprintf(stderr, "scales-sim: wrote %s\n", svg_path.c_str());
  }
  return check && failures > 0 ? 1 : 0;
}

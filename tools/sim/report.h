// SPDX-License-Identifier: Apache-2.0
// The table scales-sim prints: the scenario in a few lines, one row per run as each finishes, then
// each check of the scenario with its verdict. Columns that would say nothing (the variant when
// there is none, the watched backend when nothing changes, refusals when nothing can refuse) are
// left out.
#pragma once

#include <cstdio>
#include <vector>

#include "sim/engine.h"
#include "sim/scenario.h"

namespace scales::sim {

// The scenario's set-up, description and changes.
void printScenario(std::FILE* out, const Scenario& scenario);

class Table {
 public:
  explicit Table(const Scenario& scenario);
  void printHeader(std::FILE* out) const;
  void printRow(std::FILE* out, const RunResult& run) const;

 private:
  bool variants_;
  bool refusals_;
  int watched_;
};

// Prints every check whose runs were simulated (the others are skipped, as when --policies
// leaves a policy out); returns how many failed.
int printChecks(std::FILE* out, const Scenario& scenario, const std::vector<RunResult>& runs);

}  // namespace scales::sim

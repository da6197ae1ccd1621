// SPDX-License-Identifier: Apache-2.0
// Scenario files: JSON in and out. Reading is strict: an unknown or duplicate key, a wrong type, a
// value out of range, or a change to a backend that does not exist (or is not in service) is
// refused with the JSON path of the offending value ("scenario.events[2].at: expected a number,
// got a string"), because a typo in a hand-written scenario would otherwise simulate something
// else without a word. The format is documented in docs/tools.md ("scales-sim").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/scenario.h"

namespace scales::sim {

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ScenarioError naming the JSON path of the first problem.
Scenario parseScenario(std::string_view json_text);
// As parseScenario, with the file's path in front of every error (and for a file that cannot be
// read).
Scenario readScenarioFile(const std::string& path);
// The scenario as a scenario file (parseScenario gives the same scenario back).
std::string writeScenario(const Scenario& scenario);

}  // namespace scales::sim

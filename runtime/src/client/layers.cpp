// SPDX-License-Identifier: Apache-2.0
#include "scales/client/layers.h"

#include <algorithm>

#include "scales/core/errors.h"

namespace scales::client {

const std::vector<std::string>& builtinLayers() {
  static const std::vector<std::string> names = {
      "deadline",    "trace",           "retry",
      "backup",      "balancer",        "endpoint_trace",
      "stats",       "failure_accrual", "circuit_breaker",
      "health_gate", "outlier_gate",    "concurrency_limit",
      "pool"};
  return names;
}

LayerEdits& LayerEdits::insertBefore(std::string target, std::string name, LayerFactory make) {
  edits_.push_back({Kind::kBefore, std::move(target), std::move(name), std::move(make)});
  return *this;
}

LayerEdits& LayerEdits::insertAfter(std::string target, std::string name, LayerFactory make) {
  edits_.push_back({Kind::kAfter, std::move(target), std::move(name), std::move(make)});
  return *this;
}

LayerEdits& LayerEdits::replace(std::string target, LayerFactory make) {
  std::string name = target;
  edits_.push_back({Kind::kReplace, std::move(target), std::move(name), std::move(make)});
  return *this;
}

namespace {
std::string namesOf(const std::vector<PlannedLayer>& plan) {
  std::string out;
  for (const auto& layer : plan) out += (out.empty() ? "" : ", ") + layer.name;
  return out;
}
}  // namespace

std::vector<PlannedLayer> planLayers(const LayerEdits& edits) {
  std::vector<PlannedLayer> plan;
  for (const auto& name : builtinLayers()) plan.push_back({name, nullptr});
  for (const auto& edit : edits.edits()) {
    auto at = std::find_if(plan.begin(), plan.end(),
                           [&](const PlannedLayer& l) { return l.name == edit.target; });
    if (at == plan.end()) {
      throw ConfigError("layer edit names unknown layer '" + edit.target +
                        "'; layers: " + namesOf(plan));
    }
    if (!edit.make) throw ConfigError("layer '" + edit.name + "' has no factory");
    bool bottom = edit.target == "balancer" || edit.target == "pool";
    if (edit.kind == LayerEdits::Kind::kReplace) {
      if (bottom) {
        throw ConfigError("layer '" + edit.target +
                          "' cannot be replaced; choose another by name from its registry");
      }
      at->user = edit.make;
      continue;
    }
    if (edit.name.empty()) throw ConfigError("a user layer needs a name");
    if (std::any_of(plan.begin(), plan.end(),
                    [&](const PlannedLayer& l) { return l.name == edit.name; })) {
      throw ConfigError("layer name '" + edit.name + "' is already in the stack: " + namesOf(plan));
    }
    if (edit.kind == LayerEdits::Kind::kAfter && edit.target == "pool") {
      throw ConfigError("nothing goes after 'pool': it is the bottom of the stack");
    }
    auto where = edit.kind == LayerEdits::Kind::kBefore ? at : at + 1;
    plan.insert(where, PlannedLayer{edit.name, edit.make});
  }
  return plan;
}

}  // namespace scales::client

// SPDX-License-Identifier: Apache-2.0
// The stack as a list of named layers, and users' edits to it.
#include "scales/client/layers.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::client {
namespace {

LayerFactory passThrough() {
  return [](std::unique_ptr<RpcService> next, const LayerContext&) { return next; };
}

std::vector<std::string> names(const std::vector<PlannedLayer>& plan) {
  std::vector<std::string> out;
  for (const auto& layer : plan) out.push_back(layer.name);
  return out;
}

TEST(Layers, BuiltinListReadsInRequestOrder) {
  EXPECT_EQ(
      names(planLayers({})),
      (std::vector<std::string>{"deadline", "trace", "retry", "backup", "balancer",
                                "endpoint_trace", "stats", "failure_accrual", "circuit_breaker",
                                "health_gate", "outlier_gate", "concurrency_limit", "pool"}));
  for (const auto& layer : planLayers({})) EXPECT_FALSE(layer.user) << layer.name;
}

TEST(Layers, UserLayersGoBeforeOrAfterANamedLayer) {
  LayerEdits edits;
  edits.insertBefore("retry", "auth", passThrough())
      .insertAfter("balancer", "per_endpoint_log", passThrough())
      .insertBefore("pool", "last_word", passThrough())
      .insertAfter("auth", "after_auth", passThrough());
  auto plan = planLayers(edits);
  EXPECT_EQ(names(plan),
            (std::vector<std::string>{"deadline", "trace", "auth", "after_auth", "retry", "backup",
                                      "balancer", "per_endpoint_log", "endpoint_trace", "stats",
                                      "failure_accrual", "circuit_breaker", "health_gate",
                                      "outlier_gate", "concurrency_limit", "last_word", "pool"}));
  EXPECT_TRUE(plan[2].user);
  EXPECT_FALSE(plan[1].user);
}

TEST(Layers, ReplaceKeepsTheNameAndPlace) {
  LayerEdits edits;
  edits.replace("circuit_breaker", passThrough());
  auto plan = planLayers(edits);
  EXPECT_EQ(names(plan), names(planLayers({})));
  EXPECT_EQ(plan[8].name, "circuit_breaker");
  EXPECT_TRUE(plan[8].user);
}

std::string errorOf(const LayerEdits& edits) {
  try {
    planLayers(edits);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Layers, BadEditsAreConfigErrorsNamingTheProblem) {
  auto unknown = errorOf(LayerEdits().insertBefore("retries", "x", passThrough()));
  EXPECT_NE(unknown.find("unknown layer 'retries'; layers: deadline, trace, retry"),
            std::string::npos)
      << unknown;
  auto twice = errorOf(LayerEdits().insertBefore("retry", "stats", passThrough()));
  EXPECT_NE(twice.find("'stats' is already in the stack"), std::string::npos) << twice;
  EXPECT_NE(errorOf(LayerEdits().replace("balancer", passThrough())).find("cannot be replaced"),
            std::string::npos);
  EXPECT_NE(errorOf(LayerEdits().replace("pool", passThrough())).find("cannot be replaced"),
            std::string::npos);
  EXPECT_NE(errorOf(LayerEdits().insertAfter("pool", "x", passThrough())).find("bottom"),
            std::string::npos);
  EXPECT_NE(errorOf(LayerEdits().insertBefore("retry", "x", nullptr)).find("no factory"),
            std::string::npos);
  EXPECT_NE(errorOf(LayerEdits().insertBefore("retry", "", passThrough())).find("needs a name"),
            std::string::npos);
}

}  // namespace
}  // namespace scales::client

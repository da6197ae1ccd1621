// SPDX-License-Identifier: Apache-2.0
#include "integration/exercise.h"

#include <gtest/gtest.h>

#include "interop/sample_values.h"

namespace scales::testing {
namespace samples = interop::samples;

void exerciseEveryCall(interop::InteropServiceClient& client, ApplicationError::Type crash_type) {
  EXPECT_EQ(client.ping(), "pong");
  EXPECT_EQ(client.echo(samples::everything()), samples::everything());
  auto sparse = client.echo(samples::sparse());
  EXPECT_EQ(sparse, samples::sparse());
  EXPECT_EQ(sparse.defaults.answer, 42);
  EXPECT_EQ(sparse.defaults.greeting, "hello");
  EXPECT_FALSE(sparse.defaults.__isset.maybe);
  EXPECT_EQ(client.echoPrimitives(samples::primitives(1)), samples::primitives(1));
  EXPECT_EQ(client.add(-3, 1LL << 40), samples::add(-3, 1LL << 40));
  EXPECT_EQ(client.scale(1.25, -3), samples::scale(1.25, -3));
  EXPECT_TRUE(client.invert(false));
  EXPECT_EQ(client.concat("ab", samples::allBytes()), samples::concat("ab", samples::allBytes()));
  EXPECT_EQ(client.split("a,b,,c", ","), samples::split("a,b,,c", ","));
  EXPECT_EQ(client.unique({3, 1, 3, 2}), samples::unique({3, 1, 3, 2}));
  EXPECT_EQ(client.count({"x", "y", "x"}), samples::count({"x", "y", "x"}));
  EXPECT_EQ(client.nextColor(interop::Color::BLUE), interop::Color::RED);
  EXPECT_EQ(client.later(1000, 2), samples::later(1000, 2));
  for (int which = 0; which < 3; ++which) {
    EXPECT_EQ(client.choose(which), samples::choose(which));
  }
  EXPECT_NO_THROW(client.nothing());

  try {
    client.fail(1);
    ADD_FAILURE() << "fail(1) returned";
  } catch (const interop::Invalid& e) {
    EXPECT_EQ(e.code, 1);
    EXPECT_EQ(e.reason, "one");
  }
  try {
    client.fail(2);
    ADD_FAILURE() << "fail(2) returned";
  } catch (const interop::shared::NotFound& e) {
    EXPECT_EQ(e.key, "two");
  }
  EXPECT_NO_THROW(client.fail(0));
  EXPECT_EQ(client.lookup("key"), samples::lookupValue("key"));
  try {
    client.lookup("nope");
    ADD_FAILURE() << "lookup(nope) returned";
  } catch (const interop::shared::NotFound& e) {
    EXPECT_EQ(e.key, "nope");
  }

  int before = client.recorded();
  client.record("one");
  client.record("two");
  // Oneway calls complete once written; the server may still be running them, so ask again until
  // both are counted (bounded; every ask is a round trip).
  int seen = before;
  for (int i = 0; i < 10000 && seen < before + 2; ++i) seen = client.recorded();
  EXPECT_EQ(seen, before + 2);

  try {
    client.crash("boom");
    ADD_FAILURE() << "crash returned";
  } catch (const ApplicationError& e) {
    EXPECT_EQ(e.type(), crash_type);
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
}

}  // namespace scales::testing

// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "scales/core/errors.h"
#include "scales/discovery/resolver.h"

namespace scales::discovery {
namespace {

TEST(StaticList, DeliversTheWholeListOnceAndNeverInline) {
  boost::asio::io_context io;
  auto resolver = makeResolver(parseUri("tcp://a:1,b:2,[::1]:3"), io.get_executor());
  std::vector<ResolverUpdate> updates;
  resolver->start([&](const ResolverUpdate& u) { updates.push_back(u); });
  EXPECT_TRUE(updates.empty());  // not inside start()
  io.run();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0].error.empty());
  ASSERT_EQ(updates[0].endpoints.size(), 3u);
  EXPECT_EQ(updates[0].endpoints[0].address(), "a:1");
  EXPECT_EQ(updates[0].endpoints[2].host, "::1");
}

TEST(StaticList, StopBeforeDeliveryDeliversNothing) {
  boost::asio::io_context io;
  auto resolver = makeResolver(parseUri("tcp://a:1"), io.get_executor());
  int calls = 0;
  resolver->start([&](const ResolverUpdate&) { ++calls; });
  resolver->stop();
  io.run();
  EXPECT_EQ(calls, 0);
}

TEST(StaticList, RejectsPathsAndEmptyLists) {
  boost::asio::io_context io;
  EXPECT_THROW(makeResolver(parseUri("tcp://a:1/path"), io.get_executor()), ConfigError);
  EXPECT_THROW(makeResolver(parseUri("tcp://"), io.get_executor()), ConfigError);
  EXPECT_THROW(makeResolver(parseUri("tcp://a:1,"), io.get_executor()), ConfigError);
}

}  // namespace
}  // namespace scales::discovery

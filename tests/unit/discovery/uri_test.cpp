// SPDX-License-Identifier: Apache-2.0
#include "scales/discovery/uri.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace {

TEST(ParseUri, SplitsEveryPart) {
  auto uri = parseUri("ZK://zk1:2181,zk2:2181/services/x?balancer=round_robin&timeout_ms=5#http");
  EXPECT_EQ(uri.scheme, "zk");
  EXPECT_EQ(uri.authority, "zk1:2181,zk2:2181");
  EXPECT_EQ(uri.path, "/services/x");
  EXPECT_EQ(uri.fragment, "http");
  ASSERT_EQ(uri.query.size(), 2u);
  EXPECT_EQ(uri.query.at("balancer"), "round_robin");
  EXPECT_EQ(uri.query.at("timeout_ms"), "5");
}

TEST(ParseUri, RejectsMalformedShapes) {
  EXPECT_THROW(parseUri("no-scheme"), ConfigError);
  EXPECT_THROW(parseUri("://host:1"), ConfigError);
  EXPECT_THROW(parseUri("t cp://host:1"), ConfigError);
  EXPECT_THROW(parseUri("tcp://h:1?novalue"), ConfigError);
  EXPECT_THROW(parseUri("tcp://h:1?a=1&a=2"), ConfigError);
}

TEST(ParseHostPort, AcceptsNamesV4AndBracketedV6) {
  auto a = parseHostPort("example.com:80", "u");
  EXPECT_EQ(a.host, "example.com");
  EXPECT_EQ(a.port, 80);
  auto b = parseHostPort("[::1]:9090", "u");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 9090);
}

TEST(ParseHostPort, NamesTheBadPart) {
  auto message = [](const char* text) {
    try {
      parseHostPort(text, "tcp://x");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("host").find("missing ':port' in 'host'"), std::string::npos);
  EXPECT_NE(message("host:0").find("port '0'"), std::string::npos);
  EXPECT_NE(message("host:65536").find("port '65536'"), std::string::npos);
  EXPECT_NE(message("host:8o").find("port '8o'"), std::string::npos);
  EXPECT_NE(message(":80").find("empty host"), std::string::npos);
  EXPECT_NE(message("[::1").find("unclosed '['"), std::string::npos);
}

}  // namespace
}  // namespace scales::discovery

// SPDX-License-Identifier: Apache-2.0
// The etcd:// pieces that need no server: the URI, the value formats a key may hold, and the
// gateway's encodings (prefix ranges, 64-bit numbers as strings, base64 bytes).
#include <gtest/gtest.h>

#include "discovery/etcd_gateway.h"
#include "discovery/etcd_value.h"
#include "scales/core/errors.h"
#include "scales/discovery/serverset.h"

namespace scales::discovery {
namespace {

TEST(EtcdTarget, MembersPrefixAndEndpointName) {
  auto target = parseEtcdTarget(parseUri("etcd://10.0.0.1:2379,[::1]:2379/services/echo/!http"));
  ASSERT_EQ(target.members.size(), 2u);
  EXPECT_EQ(target.members[1].host, "::1");
  EXPECT_EQ(target.prefix, "/services/echo/");
  EXPECT_EQ(target.endpoint_name, "http");
  EXPECT_EQ(parseEtcdTarget(parseUri("etcd://h:1/a#admin")).endpoint_name, "admin");
  for (const char* bad :
       {"etcd://h:1", "etcd://h:1/", "etcd://h/svc", "etcd://h:1/svc!", "etcd://h:1/svc!a#b"}) {
    EXPECT_THROW(parseEtcdTarget(parseUri(bad)), ConfigError) << bad;
  }
}

TEST(EtcdValue, HostPortWithOptionalWeight) {
  EXPECT_EQ(parseEtcdValue("10.0.0.1:9090", ""), (Endpoint{"10.0.0.1", 9090}));
  EXPECT_EQ(parseEtcdValue(" [::1]:9090 2.5\n", ""), (Endpoint{"::1", 9090, 2.5}));
  EXPECT_EQ(parseEtcdValue("10.0.0.1:9090", "http"), std::nullopt) << "no named endpoints";
  for (const char* bad :
       {"", "10.0.0.1", "10.0.0.1:0", "10.0.0.1:9090 -1", "10.0.0.1:9090 x", "10.0.0.1:99999"}) {
    EXPECT_THROW(parseEtcdValue(bad, ""), ConfigError) << bad;
  }
}

TEST(EtcdValue, ServersetJson) {
  auto json = serversetMemberJson({"10.0.0.1", 9090}, 0, {{"http", {"10.0.0.1", 8080}}});
  EXPECT_EQ(parseEtcdValue(json, ""), (Endpoint{"10.0.0.1", 9090}));
  EXPECT_EQ(parseEtcdValue(json, "http"), (Endpoint{"10.0.0.1", 8080}));
  EXPECT_EQ(parseEtcdValue(json, "admin"), std::nullopt);
  EXPECT_THROW(parseEtcdValue(R"({"serviceEndpoint": {"host": 1, "port": 2}})", ""), ConfigError);
}

TEST(EtcdValue, EtcdEndpointManagerJson) {
  EXPECT_EQ(parseEtcdValue(R"({"Op":0,"Addr":"10.0.0.1:9090","Metadata":null})", ""),
            (Endpoint{"10.0.0.1", 9090}));
  EXPECT_EQ(parseEtcdValue(R"({"Addr":"10.0.0.1:9090","Metadata":{"weight":4}})", ""),
            (Endpoint{"10.0.0.1", 9090, 4.0}));
  EXPECT_EQ(parseEtcdValue(R"({"Op":1,"Addr":"10.0.0.1:9090"})", ""), std::nullopt);
  for (const char* bad :
       {R"({"Addr": 5})", R"({"Op":"x","Addr":"h:1"})",
        R"({"Addr":"h:1","Metadata":{"weight":-1}})", R"({"other": 1})", R"({"Addr": "h:1")"}) {
    EXPECT_THROW(parseEtcdValue(bad, ""), ConfigError) << bad;
  }
}

TEST(EtcdGateway, PrefixRangeEndIsEtcdsRule) {
  EXPECT_EQ(prefixRangeEnd("/svc/"), "/svc0");  // '/' + 1 == '0'
  EXPECT_EQ(prefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefixRangeEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST(EtcdGateway, NumbersComeAsStringsOrNumbersAndZeroIsLeftOut) {
  auto reply = EtcdJson::parse(R"({"a": "9223372036854775807", "b": 7, "c": "x", "d": [1]})");
  EXPECT_EQ(etcdInt(reply, "a"), 9223372036854775807);
  EXPECT_EQ(etcdInt(reply, "b"), 7);
  EXPECT_EQ(etcdInt(reply, "missing"), 0);
  EXPECT_THROW(etcdInt(reply, "c"), ConfigError);
  EXPECT_THROW(etcdInt(reply, "d"), ConfigError);
}

TEST(EtcdGateway, BytesAreBase64) {
  auto reply = EtcdJson::parse(R"({"key": "L3N2Yy9h", "bad": "L3N2Yy9h=", "n": 1})");
  EXPECT_EQ(etcdBytes(reply, "key"), "/svc/a");
  EXPECT_EQ(etcdBytes(reply, "missing"), "");
  EXPECT_THROW(etcdBytes(reply, "bad"), ConfigError);
  EXPECT_THROW(etcdBytes(reply, "n"), ConfigError);
}

}  // namespace
}  // namespace scales::discovery

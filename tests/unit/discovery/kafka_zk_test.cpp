// SPDX-License-Identifier: Apache-2.0
// kafka+zk://: the URI and the JSON Kafka writes to /brokers/ids/<id>, including hostile JSON.
#include "discovery/kafka_zk.h"

#include <gtest/gtest.h>

#include "scales/core/errors.h"

namespace scales::discovery {
namespace {

// What Kafka 2.x+ writes for a broker with two listeners.
const std::string kTwoListeners =
    R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},)"
    R"("endpoints":["PLAINTEXT://k1.example:9092","SSL://k1.example:9093"],"jmx_port":-1,)"
    R"("features":{},"host":"k1.example","timestamp":"1700000000000","port":9092,"version":5})";

// The ConfigError's message, or "" when `f` does not throw one.
template <class F>
std::string errorOf(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string brokerError(const std::string& json, std::string_view listener = "") {
  return errorOf([&] { parseKafkaBroker(json, listener); });
}

TEST(KafkaZkTarget, HostsChrootAndListener) {
  auto plain = parseKafkaZkTarget(parseUri("kafka+zk://zk1:2181,zk2:2181"));
  EXPECT_EQ(plain.hosts, "zk1:2181,zk2:2181");
  EXPECT_EQ(plain.path, "/brokers/ids");
  EXPECT_EQ(plain.listener, "");
  auto chrooted = parseKafkaZkTarget(parseUri("kafka+zk://zk1:2181/prod/kafka!internal"));
  EXPECT_EQ(chrooted.hosts, "zk1:2181");
  EXPECT_EQ(chrooted.path, "/prod/kafka/brokers/ids");
  EXPECT_EQ(chrooted.listener, "INTERNAL");  // Kafka upper-cases listener names
  // No chroot: the listener follows the hosts.
  auto bare = parseKafkaZkTarget(parseUri("kafka+zk://zk1:2181!SSL?timeout_ms=10"));
  EXPECT_EQ(bare.hosts, "zk1:2181");
  EXPECT_EQ(bare.path, "/brokers/ids");
  EXPECT_EQ(bare.listener, "SSL");
  EXPECT_EQ(parseKafkaZkTarget(parseUri("kafka+zk://zk1:2181/kafka#SSL")).listener, "SSL");
  EXPECT_EQ(parseKafkaZkTarget(parseUri("kafka+zk://zk1:2181/")).path, "/brokers/ids");
}

TEST(KafkaZkTarget, RefusesMalformedUris) {
  auto message = [](const char* text) {
    return errorOf([&] { parseKafkaZkTarget(parseUri(text)); });
  };
  EXPECT_NE(message("kafka+zk:///kafka").find("needs ZooKeeper hosts"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1/kafka").find("missing ':port'"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1:2181/kafka/").find("chroot"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1:2181//kafka").find("chroot"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1:2181/kafka!").find("empty listener"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1:2181/kafka!A#B").find("named twice"), std::string::npos);
  EXPECT_NE(message("kafka+zk://zk1:2181/kafka!a/b").find("listener name"), std::string::npos);
}

TEST(KafkaBroker, PicksTheNamedListener) {
  EXPECT_EQ(parseKafkaBroker(kTwoListeners, ""), (Endpoint{"k1.example", 9092}));
  EXPECT_EQ(parseKafkaBroker(kTwoListeners, "PLAINTEXT"), (Endpoint{"k1.example", 9092}));
  EXPECT_EQ(parseKafkaBroker(kTwoListeners, "SSL"), (Endpoint{"k1.example", 9093}));
  EXPECT_EQ(parseKafkaBroker(kTwoListeners, "ssl"), (Endpoint{"k1.example", 9093}));
  auto v6 = parseKafkaBroker(R"({"endpoints":["PLAINTEXT://[::1]:9092"]})", "");
  EXPECT_EQ(v6, (Endpoint{"::1", 9092}));
}

TEST(KafkaBroker, FallsBackToTheLegacyFieldsForPlaintextOnly) {
  // Kafka 0.9 and earlier: no endpoints.
  EXPECT_EQ(parseKafkaBroker(R"({"jmx_port":-1,"host":"old","port":9092,"version":1})", ""),
            (Endpoint{"old", 9092}));
  // Listeners not named PLAINTEXT: Kafka fills host/port from the PLAINTEXT-protocol one.
  const std::string renamed =
      R"({"listener_security_protocol_map":{"INTERNAL":"PLAINTEXT","EXTERNAL":"SSL"},)"
      R"("endpoints":["INTERNAL://in:9092","EXTERNAL://out:9093"],"host":"in","port":9092})";
  EXPECT_EQ(parseKafkaBroker(renamed, ""), (Endpoint{"in", 9092}));
  EXPECT_EQ(parseKafkaBroker(renamed, "EXTERNAL"), (Endpoint{"out", 9093}));
  // No PLAINTEXT anywhere: host null and port -1, as Kafka writes them.
  const std::string tls_only =
      R"({"endpoints":["SSL://k:9093"],"host":null,"port":-1,"version":5})";
  EXPECT_NE(brokerError(tls_only).find("no PLAINTEXT listener and no host/port (endpoints: "
                                       "SSL://k:9093)"),
            std::string::npos)
      << brokerError(tls_only);
  // A named listener the broker lacks is not replaced by the legacy fields.
  EXPECT_NE(brokerError(kTwoListeners, "INTERNAL")
                .find("no listener 'INTERNAL' (endpoints: PLAINTEXT://k1.example:9092, "
                      "SSL://k1.example:9093)"),
            std::string::npos);
}

TEST(KafkaBroker, RefusesBadPorts) {
  for (const char* port : {"0", "65536", "99999999999", "-5", "9092x", "", "+1"}) {
    std::string json = std::string(R"({"endpoints":["PLAINTEXT://h:)") + port + R"("]})";
    EXPECT_NE(brokerError(json).find("not a number from 1 to 65535"), std::string::npos)
        << json << ": " << brokerError(json);
  }
  for (const char* port : {"0", "65536", "18446744073709551615", "9092.5", "\"9092\"", "true"}) {
    std::string json = std::string(R"({"host":"h","port":)") + port + "}";
    EXPECT_NE(brokerError(json).find("is not a number from 1 to 65535"), std::string::npos)
        << json << ": " << brokerError(json);
  }
}

// {"a":{"a":...1...}}, `depth` levels deep.
std::string nestedObjects(int depth) {
  std::string json;
  for (int i = 0; i < depth; ++i) json += R"({"a":)";
  return json + "1" + std::string(static_cast<size_t>(depth), '}');
}

TEST(KafkaBroker, HostileJsonIsAClearError) {
  struct Case {
    std::string json;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", "does not parse"},
      {"{\"endpoints\":[\"PLAINTEXT://h:1\"", "does not parse"},
      {"\xff\xfe", "does not parse"},
      {"[\"PLAINTEXT://h:1\"]", "not an object"},
      {"\"PLAINTEXT://h:1\"", "not an object"},
      {R"({"endpoints":"PLAINTEXT://h:1"})", "\"endpoints\" is not an array"},
      {R"({"endpoints":[42]})", "\"endpoints\" holds 42"},
      {R"({"endpoints":["h:9092"]})", "is not LISTENER://host:port"},
      {R"({"endpoints":["://h:9092"]})", "is not LISTENER://host:port"},
      {R"({"endpoints":["PLAINTEXT://:9092"]})", "has no host"},
      {R"({"endpoints":["PLAINTEXT://h"]})", "has no ':port'"},
      {R"({"endpoints":["PLAINTEXT://[::1"]})", "is not LISTENER://[v6]:port"},
      {R"({"host":42,"port":9092})", "\"host\" is not a non-empty string"},
      {R"({"host":"","port":9092})", "\"host\" is not a non-empty string"},
      {R"({})", "no PLAINTEXT listener and no host/port"},
      {std::string(10000, '[') + std::string(10000, ']'), "nests deeper than"},
      {nestedObjects(5000), "nests deeper than"},
  };
  for (const auto& c : cases) {
    auto error = brokerError(c.json);
    EXPECT_NE(error.find(c.says), std::string::npos)
        << c.json.substr(0, 60) << " -> '" << error << "', expected '" << c.says << "'";
  }
}

TEST(KafkaBroker, MessagesStayShortWhateverTheJsonHolds) {
  std::string huge(1 << 20, 'x');
  for (const auto& json : {R"({"endpoints":[")" + huge + R"("]})",
                           R"({"endpoints":["PLAINTEXT://h:)" + huge + R"("]})",
                           R"({"endpoints":["SSL://)" + huge + R"(:1"],"port":-1})"}) {
    auto error = brokerError(json);
    EXPECT_FALSE(error.empty());
    EXPECT_LT(error.size(), 600u) << error.substr(0, 200);
  }
}

}  // namespace
}  // namespace scales::discovery

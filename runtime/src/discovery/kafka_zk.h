// SPDX-License-Identifier: Apache-2.0
// kafka+zk://: the parts that are pure functions, for the resolver and its unit tests.
#pragma once

#include <string>
#include <string_view>

#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {

// kafka+zk://h:p,h:p[/chroot][!LISTENER] (or #LISTENER).
struct KafkaZkTarget {
  std::string hosts;     // "h:p,h:p" as the ZooKeeper C client takes it
  std::string path;      // <chroot>/brokers/ids
  std::string listener;  // upper case; empty: PLAINTEXT, else the legacy host and port
};
// Throws ConfigError naming the bad part.
KafkaZkTarget parseKafkaZkTarget(const Uri& uri);

// Where a broker listens, from the JSON Kafka writes to /brokers/ids/<id>:
//   {"endpoints":["PLAINTEXT://host:9092","SSL://host:9093"],"host":"host","port":9092,...}
// `listener` (upper case) names the endpoint to pick; empty or PLAINTEXT falls back to the
// legacy "host"/"port" fields when no endpoint has that name, as brokers before Kafka 0.10
// (and those without a PLAINTEXT listener name) register. Throws ConfigError saying what is
// wrong (unparsable JSON, a malformed endpoint, a port outside 1..65535, no such listener).
Endpoint parseKafkaBroker(std::string_view json, std::string_view listener);

}  // namespace scales::discovery

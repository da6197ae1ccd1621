// SPDX-License-Identifier: Apache-2.0
// The parts of Consul's HTTP API that consul:// discovery (consul_resolver.cpp) and the Consul
// announcer (server/consul_announcement.cpp) share, free of I/O so that they are tested on their
// own (tests/unit/discovery/consul_test.cpp): the URI, the health query, parsing its answer, and
// the X-Consul-Index rules of Consul's blocking queries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scales/core/deadline.h"
#include "scales/discovery/endpoint.h"
#include "scales/discovery/uri.h"

namespace scales::discovery::consul {

// Bytes of one answer at most (a health answer lists every instance with its checks; 16 MiB is
// tens of thousands of instances). More is a broken or hostile agent, not a fleet.
inline constexpr size_t kMaxAnswerBytes = 16 * 1024 * 1024;

struct Target {
  std::vector<HostPort> agents;  // at least one
  std::string service;
  std::string dc;       // empty: the agent's own datacenter
  std::string tag;      // empty: any tag
  bool passing = true;  // only instances whose checks all pass
};

// consul://h:p[,h:p]/service[?dc=DC&tag=TAG&passing=true|false]. Query values are taken as
// written (no percent-decoding). Throws ConfigError naming the bad part.
Target parseTarget(const Uri& uri);

// Percent-encodes all but RFC 3986's unreserved characters, for paths and query values.
std::string escape(std::string_view text);

// The request target of a health query. Index 0 asks for the current state at once; any other
// index is a blocking query that Consul holds until the index passes it or `wait` elapses.
std::string healthQuery(const Target& target, uint64_t index, Duration wait);

struct Health {
  std::vector<Endpoint> endpoints;  // sorted, one per address
  size_t instances = 0;             // entries in the answer, usable or not
  std::string problems;             // the entries left out and why (bounded), for `detail`
};

// A /v1/health/service answer. Entries with a bad port or no address are left out (named in
// `problems`); with `passing_only`, so are entries with a check that is not passing (Consul
// filtered them already; this keeps a misbehaving agent from sending traffic to them). Throws
// ConfigError for malformed JSON, JSON nested absurdly deep, or anything but an array.
Health parseHealth(std::string_view json, bool passing_only);

// An X-Consul-Index header's value; nullopt when absent or not a number.
std::optional<uint64_t> parseIndex(std::string_view header);

// The index to send with the next query after `returned` answered a query sent with `previous`
// (Consul's "blocking queries" rules): an index that went backwards restarts the loop from 0,
// and 0 (a Consul bug, which would make every query return at once) becomes 1.
uint64_t nextIndex(uint64_t previous, uint64_t returned);

// A duration as Consul reads it (Go's format), in whole milliseconds: "1500ms".
std::string goDuration(Duration duration);

}  // namespace scales::discovery::consul

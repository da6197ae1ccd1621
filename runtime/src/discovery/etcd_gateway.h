// SPDX-License-Identifier: Apache-2.0
// etcd v3 through its JSON gateway (POST /v3/kv/range, /v3/watch, /v3/lease/...), for the
// etcd:// resolver and announcer.
//
// Why the gateway and not gRPC: it needs nothing the library does not already link (Beast, JSON),
// no code generated from etcd's .proto files, and no gRPC runtime inside every client; the
// traffic is a read, one long-lived watch and a keepalive every few seconds, far too little for
// JSON's cost to matter. The gateway is etcd's documented API for clients without gRPC, at /v3/
// since 3.4. Its quirks, handled here: keys and values are base64, 64-bit numbers are JSON
// strings, and a stream's messages are newline-separated objects, each {"result": ...} or
// {"error": ...}.
//
// A cluster is a list of members. Calls go to the current member; one that refuses, times out or
// answers 5xx is left for the next, each member tried once per call, so a call fails only when
// no member answers. Everything runs on one executor; nothing here is thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/http_exchange.h"
#include "scales/core/deadline.h"
#include "scales/discovery/uri.h"

namespace scales::discovery {

using EtcdJson = nlohmann::json;

// etcd://h:p[,h:p]/prefix[!endpoint]: the members, the key prefix (the path with a trailing '/',
// so /svc does not take /svc2's keys) and the serverset endpoint name. Throws ConfigError.
struct EtcdTarget {
  std::vector<HostPort> members;
  std::string prefix;
  std::string endpoint_name;
  std::string hosts;  // as written, for messages
};
EtcdTarget parseEtcdTarget(const Uri& uri);

// The range_end that makes a range or watch cover every key starting with `prefix`.
std::string prefixRangeEnd(std::string_view prefix);
// A 64-bit field of a gateway reply (a JSON string, or a number); 0 when absent, as protobuf's
// JSON mapping leaves zero values out. Throws ConfigError when it is something else.
int64_t etcdInt(const EtcdJson& object, const char* field);
// A key or value field, decoded; throws ConfigError when it is not base64.
std::string etcdBytes(const EtcdJson& object, const char* field);

// The largest reply (or streamed message) accepted from a member.
constexpr size_t kEtcdMaxReply = 16 * 1024 * 1024;

class EtcdCluster : public std::enable_shared_from_this<EtcdCluster> {
 public:
  // `timeout` bounds each unary call on one member, and a stream's connect and response header.
  EtcdCluster(boost::asio::any_io_executor executor, std::vector<HostPort> members,
              Duration timeout);

  // error is empty on success, when `reply` is the gateway's JSON answer.
  using Done = std::function<void(std::string error, EtcdJson reply)>;
  void call(std::string path, EtcdJson body, Done done);

  // A stream (a watch) on the current member: each message's "result" to `on_result` (a message
  // carrying "error" ends the stream with it); `on_end` once, with why it ended. No failover: the
  // caller decides (skipMember()) and opens a new one.
  using OnResult = std::function<void(const EtcdJson& result)>;
  using OnEnd = std::function<void(std::string error)>;
  void stream(std::string path, EtcdJson body, OnResult on_result, OnEnd on_end);
  void cancelStream();

  // The current member failed outside a call (a broken stream): the next request goes elsewhere.
  void skipMember();
  std::string currentMember() const { return showServer(members_[current_]); }

  // Cancels every call and the stream: no callback runs after it (call on the executor).
  void close();

 private:
  void attempt(uint64_t id, std::string path, std::string body, Done done, size_t tries_left,
               std::string errors);

  boost::asio::any_io_executor executor_;
  std::vector<HostPort> members_;
  Duration timeout_;
  size_t current_ = 0;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::shared_ptr<HttpExchange>> calls_;  // in flight, to cancel on close()
  std::shared_ptr<HttpExchange> stream_;
  bool closed_ = false;
};

}  // namespace scales::discovery

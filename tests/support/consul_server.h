// SPDX-License-Identifier: Apache-2.0
// A stand-in for a Consul agent, in process on 127.0.0.1: no Consul server is packaged for the
// machines the tests run on, so this implements the documented semantics that consul:// discovery
// and the Consul announcer rely on, and nothing more:
// - GET /v1/health/service/<name>?index=&wait=&dc=&tag=&passing: the service's instances in
//   Consul's JSON shape (Node, Service, Checks), filtered by datacenter (the agent's is "dc1"; an
//   unknown one is HTTP 500 "No path to datacenter"), tag and passing checks.
// - X-Consul-Index: a raft-like index that grows on every change; each service carries the index
//   of its last change, which its queries report. A query with `index` blocks until the service's
//   index passes it or `wait` (default 5 min, at most 10) elapses; a snapshot restore
//   (rewindIndex) wakes blocked queries at once, with the lower index, as Consul's does.
// - PUT /v1/agent/service/register (Name, ID, Address, Port, Tags, Weights, one Check with TTL,
//   Status, DeregisterCriticalServiceAfter), /v1/agent/service/deregister/<id>, and
//   /v1/agent/check/pass/<check> (404 "Unknown check ID" when the agent does not know it). A TTL
//   check not passed within its TTL turns critical; a service critical for longer than its
//   DeregisterCriticalServiceAfter (at least minDeregisterAfter, Consul's 1 min) is removed.
// Test hooks add and remove instances, set their health, count requests, and make the agent go
// away (closing every connection) and come back on the same port.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scales/core/deadline.h"

namespace scales::testing {

class ConsulServer {
 public:
  struct Instance {
    std::string id;  // the service ID, unique in this agent
    std::string service;
    std::string address;  // Service.Address; empty: clients use the node's address
    uint16_t port = 0;
    std::vector<std::string> tags;
    int weight = 1;  // Weights.Passing
    std::string datacenter = "dc1";
    std::string node_address = "127.0.0.1";
    std::string status = "passing";  // its check: passing, warning or critical
  };
  // An instance of `service` on 127.0.0.1:`port`, passing, with defaults for the rest.
  static Instance on(std::string id, std::string service, uint16_t port) {
    Instance instance;
    instance.id = std::move(id);
    instance.service = std::move(service);
    instance.address = "127.0.0.1";
    instance.port = port;
    return instance;
  }

  ConsulServer();  // listening on 127.0.0.1, any port
  ~ConsulServer();
  ConsulServer(const ConsulServer&) = delete;
  ConsulServer& operator=(const ConsulServer&) = delete;

  std::string address() const;  // "127.0.0.1:port"

  // The catalog. Every change advances the index and wakes the blocked queries it concerns.
  void add(Instance instance);
  void remove(const std::string& id);
  void setHealth(const std::string& id, const std::string& status);
  // The instance's check status; empty when the instance is not registered.
  std::string health(const std::string& id) const;
  std::optional<Instance> instance(const std::string& id) const;
  // Of a registration through the agent API: its check's DeregisterCriticalServiceAfter.
  Duration deregisterAfter(const std::string& id) const;
  // Times the instance's check went from passing (or warning) to critical.
  int criticalTransitions(const std::string& id) const;
  uint64_t index() const;
  // A restore from an older snapshot: the index drops to `to` and blocked queries answer at once.
  void rewindIndex(uint64_t to);
  // The agent restarted without its state: services registered through the agent API are gone,
  // silently (no index change wakes anyone, as the instance's own node is what forgot it).
  void forgetAgentServices();
  // Consul raises lower DeregisterCriticalServiceAfter values to 1 min; tests may lower the floor.
  void setMinDeregisterAfter(Duration floor);

  // Faults.
  void stop();   // closes the listener and every connection: the agent went away
  void start();  // listens again on the same port, with the same catalog
  // Health answers get this body instead of the catalog's (nullopt: back to normal), and this
  // X-Consul-Index (nullopt: the real one), e.g. malformed JSON or an index of 0.
  void replaceHealthAnswer(std::optional<std::string> body, std::optional<std::string> index = {});
  // Passes of this service's check close their connection unanswered and change nothing: its
  // heartbeats are lost on the way (drop = false: delivered again).
  void dropHeartbeats(const std::string& id, bool drop = true);

  // Counters, by kind: "health", "register", "deregister", "pass".
  int requests(const std::string& kind) const;
  // The `index` of every health query so far, in order (0: none given).
  std::vector<uint64_t> healthIndexes() const;

  // Waits (bounded) until `done` holds; re-checked on every request and catalog change.
  bool waitFor(const std::function<bool()>& done, Duration timeout);

 private:
  struct Entry {
    Instance instance;
    bool via_agent = false;  // registered through /v1/agent/service/register
    std::string check_id;
    std::optional<Duration> ttl;
    Clock::time_point ttl_deadline;
    std::optional<Duration> deregister_after;
    Clock::time_point critical_since;
    int critical_transitions = 0;
  };
  struct Response;
  class Connection;

  void listen();
  void acceptNext();
  // A health query: held while it blocks, then answered from the catalog.
  boost::asio::awaitable<Response> blockingHealth(std::shared_ptr<Connection> connection,
                                                  std::string service,
                                                  std::map<std::string, std::string> query);
  Response healthAnswer(const std::string& service,
                        const std::map<std::string, std::string>& query);
  Response registerService(const std::string& body);
  Response deregister(const std::string& id);
  Response pass(const std::string& check_id);
  void sweep();  // TTL expiry and critical-service removal, on the loop
  // Under the lock: records a change of `service` and wakes the queries that wait for it.
  void changedLocked(const std::string& service);
  void setStatusLocked(Entry& entry, const std::string& status);
  uint64_t serviceIndexLocked(const std::string& service) const;
  void wakeWaiters();  // posts to the loop

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  boost::asio::steady_timer sweeper_;
  // Loop-only: open connections (closed by stop()) and blocked queries' timers.
  std::set<std::shared_ptr<Connection>> connections_;
  std::list<boost::asio::steady_timer*> waiters_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Entry> entries_;  // by service ID
  std::map<std::string, uint64_t> service_index_;
  uint64_t index_ = 1;
  uint64_t epoch_ = 0;       // bumped by rewindIndex: blocked queries answer at once
  uint64_t generation_ = 0;  // bumped on every request and change: waitFor() looks again
  std::set<std::string> datacenters_{"dc1"};  // the agent's own and those of added instances
  Duration min_deregister_after_ = std::chrono::minutes(1);
  std::optional<std::string> health_body_, health_index_;
  std::set<std::string> dropped_heartbeats_;  // service IDs
  std::map<std::string, int> requests_;
  std::vector<uint64_t> health_indexes_;

  std::thread thread_;
};

}  // namespace scales::testing
